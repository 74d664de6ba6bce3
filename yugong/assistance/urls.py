from django.urls import path

from . import campaign_views, views

app_name = "assistance"

urlpatterns = [
    path("apply/", views.h5_apply, name="h5_apply"),
    path("mine/", views.h5_status, name="h5_status"),
    path("console/queue/", views.queue, name="queue"),
    path("console/files/<int:file_id>/", views.detail, name="detail"),
    path("console/campaigns/", campaign_views.campaigns, name="campaigns"),
    path("console/campaigns/<int:pk>/", campaign_views.campaign, name="campaign"),
    path("console/cycles/<int:pk>/", campaign_views.cycle, name="cycle"),
    path(
        "console/cycles/<int:pk>/batches/<int:batch_id>/file/", campaign_views.batch_file, name="batch_file"
    ),
    path("console/cycles/<int:pk>/<slug:action>/", campaign_views.cycle_action, name="cycle_action"),
]
