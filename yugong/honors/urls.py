"""Honours pages, included at /honors/."""

from django.urls import path

from . import bonus_views, views

app_name = "honors"

urlpatterns = [
    path("", views.h5_mine, name="h5_mine"),
    path("notice/", views.h5_notice, name="h5_notice"),
    path("notice/<int:pk>/object/", views.h5_object, name="h5_object"),
    path("console/rounds/", views.console_rounds, name="console_rounds"),
    path("console/rounds/new/", views.console_round_new, name="console_round_new"),
    path("console/rounds/<int:pk>/", views.console_round, name="console_round"),
    path(
        "console/rounds/<int:pk>/export/<slug:what>.xlsx",
        views.console_round_export,
        name="console_round_export",
    ),
    path("console/rounds/<int:pk>/bonuses/", bonus_views.console_round_bonuses, name="console_round_bonuses"),
    path("console/rounds/<int:pk>/<slug:action>/", views.console_round_action, name="console_round_action"),
    path("console/nominate/", views.console_nominate, name="console_nominate"),
    path("console/nominations/", views.console_queue, name="console_queue"),
    path("console/nominations/<int:pk>/", views.console_nomination, name="console_nomination"),
    path(
        "console/nominations/<int:pk>/<slug:action>/",
        views.console_nomination_action,
        name="console_nomination_action",
    ),
    path("console/laureates/", views.console_laureates, name="console_laureates"),
    path("console/laureates/<int:pk>/corps/", views.console_laureate_corps, name="console_laureate_corps"),
    path("console/talks/", views.console_talks, name="console_talks"),
    path("console/talks/<int:pk>/", views.console_talk, name="console_talk"),
]
