"""Learning pages, included at /learning/."""

from django.urls import path

from . import console, views

app_name = "learning"

urlpatterns = [
    path("", views.h5_courses, name="h5_courses"),
    path("course/<int:pk>/", views.h5_course, name="h5_course"),
    path("lesson/<int:pk>/", views.h5_lesson, name="h5_lesson"),
    path("credits/", views.h5_credits, name="h5_credits"),
    path("credits/skills/", views.h5_skills, name="h5_skills"),
    path("console/courses/", console.courses, name="console_courses"),
    path("console/courses/<int:pk>/", console.course, name="console_course"),
    path("console/outcomes/", console.outcomes, name="console_outcomes"),
    path("console/outcomes/<int:pk>/", console.outcome_decide, name="console_outcome_decide"),
]
