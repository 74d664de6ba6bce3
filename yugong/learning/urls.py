"""Learning pages, included at /learning/."""

from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.h5_courses, name="h5_courses"),
    path("course/<int:pk>/", views.h5_course, name="h5_course"),
    path("lesson/<int:pk>/", views.h5_lesson, name="h5_lesson"),
    path("credits/", views.h5_credits, name="h5_credits"),
]
