from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.h5_list, name="h5_list"),
    path("mine/", views.h5_mine, name="h5_mine"),
    path("<int:activity_id>/", views.h5_detail, name="h5_detail"),
    path("<int:activity_id>/signup/", views.h5_signup, name="h5_signup"),
    path("<int:activity_id>/lottery/", views.h5_lottery, name="h5_lottery"),
    path("console/", views.console_list, name="console_list"),
    path("console/<int:activity_id>/", views.console_detail, name="console_detail"),
]
