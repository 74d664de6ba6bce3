from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("apply/", views.h5_apply, name="h5_apply"),
    path("mine/", views.h5_status, name="h5_status"),
    path("console/queue/", views.queue, name="queue"),
    path("console/files/<int:file_id>/", views.detail, name="detail"),
]
