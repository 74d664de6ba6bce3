from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.nearby, name="nearby"),
    path("map/", views.nearby_map, name="map"),
    path("s/<slug:code>/", views.station_page, name="detail"),
    path("s/<slug:code>/feedback/", views.feedback, name="feedback"),
    path("c/<slug:code>/", views.checkin, name="checkin"),
    path("console/", views.console_list, name="console_list"),
    path("console/new/", views.console_edit, name="console_new"),
    path("console/import/", views.console_import, name="console_import"),
    path("console/import/template.xlsx", views.console_import_template, name="console_import_template"),
    path("console/export.geojson", views.console_export, name="console_export"),
    path("console/coverage/", views.console_coverage, name="console_coverage"),
    path("console/<int:pk>/", views.console_detail, name="console_detail"),
    path("console/<int:pk>/edit/", views.console_edit, name="console_edit"),
    path("console/<int:pk>/qr.svg", views.console_qr, name="console_qr"),
    path("console/<int:pk>/screen/", views.console_screen, name="console_screen"),
    path("console/<int:pk>/inspections/", views.console_inspect, name="console_inspect"),
    path("console/<int:pk>/issues/", views.console_issue, name="console_issue"),
    path("console/<int:pk>/honours/", views.console_honour, name="console_honour"),
    path("console/<int:pk>/keepers/", views.console_keeper, name="console_keeper"),
    path("console/<int:pk>/photos/", views.console_photo, name="console_photo"),
    path("console/issues/<int:pk>/close/", views.console_issue_close, name="console_issue_close"),
]
