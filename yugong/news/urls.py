from django.urls import path

from . import views

app_name = "news"

urlpatterns = [
    path("news/", views.h5_list, name="list"),
    path("news/<int:pk>/", views.h5_detail, name="detail"),
    path("news/<int:pk>/files/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("console/news/", views.console_list, name="console_list"),
    path("console/news/new/", views.console_new, name="console_new"),
    path("console/news/<int:pk>/", views.console_edit, name="console_edit"),
    path("console/news/<int:pk>/receipts/", views.console_receipts, name="console_receipts"),
    path(
        "console/news/<int:pk>/<slug:action>/",
        views.console_action,
        name="console_action",
    ),
]
