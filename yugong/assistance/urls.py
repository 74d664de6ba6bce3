from django.urls import path

from . import campaign_views, spot_views, views

app_name = "assistance"

urlpatterns = [
    path("apply/", views.h5_apply, name="h5_apply"),
    path("mine/", views.h5_status, name="h5_status"),
    path("notices/", views.h5_notices, name="h5_notices"),
    path("aid/", views.h5_aid, name="h5_aid"),
    path("console/queue/", views.queue, name="queue"),
    path("console/reviews/", views.reviews, name="reviews"),
    path("console/files/export.xlsx", views.files_export, name="files_export"),
    path("console/files/national.xlsx", spot_views.national_export, name="national_export"),
    path("console/spot-checks/", spot_views.spot_checks, name="spot_checks"),
    path("console/cycles/<int:pk>/export.xlsx", views.cycle_export, name="cycle_export"),
    path("console/files/<int:file_id>/<slug:action>/", views.file_action, name="file_action"),
    path("console/files/<int:file_id>/", views.detail, name="detail"),
    path("console/campaigns/", campaign_views.campaigns, name="campaigns"),
    path("console/campaigns/<int:pk>/", campaign_views.campaign, name="campaign"),
    path("console/cycles/<int:pk>/", campaign_views.cycle, name="cycle"),
    path(
        "console/cycles/<int:pk>/batches/<int:batch_id>/file/", campaign_views.batch_file, name="batch_file"
    ),
    path("console/cycles/<int:pk>/<slug:action>/", campaign_views.cycle_action, name="cycle_action"),
]
