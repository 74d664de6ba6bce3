from django.urls import path

from . import funding_views, views

app_name = "events"

urlpatterns = [
    path("", views.h5_list, name="h5_list"),
    path("mine/", views.h5_mine, name="h5_mine"),
    path("<int:activity_id>/", views.h5_detail, name="h5_detail"),
    path("<int:activity_id>/signup/", views.h5_signup, name="h5_signup"),
    path("<int:activity_id>/lottery/", views.h5_lottery, name="h5_lottery"),
    path("mine/<int:signup_id>/qr.svg", views.h5_checkin_qr, name="h5_checkin_qr"),
    path("mine/<int:signup_id>/<slug:action>/", views.h5_signup_action, name="h5_signup_action"),
    path("console/", views.console_list, name="console_list"),
    path("console/new/", views.console_new, name="console_new"),
    path("console/<int:activity_id>/", views.console_detail, name="console_detail"),
    path("console/<int:activity_id>/edit/", views.console_edit, name="console_edit"),
    path("console/<int:activity_id>/group/", views.console_group, name="console_group"),
    path("console/<int:activity_id>/checkin/", views.console_checkin, name="console_checkin"),
    path("console/<int:activity_id>/budget/", funding_views.console_budget, name="console_budget"),
    path(
        "console/<int:activity_id>/budget/<slug:action>/",
        funding_views.console_budget_action,
        name="console_budget_action",
    ),
]
