"""Contest pages, included at /contests/ (worker H5, certificate verification) — the staff console
pages sit under /contests/console/."""

from django.urls import path

from . import views

app_name = "contests"

urlpatterns = [
    path("", views.h5_list, name="h5_list"),
    path("mine/", views.h5_mine, name="h5_mine"),
    path("<int:pk>/", views.h5_detail, name="h5_detail"),
    path("<int:pk>/quiz/", views.h5_quiz, name="h5_quiz"),
    path("certificate/<int:pk>/", views.certificate, name="certificate"),
    path("skills-certificate/<int:pk>/", views.skills_certificate, name="skills_certificate"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("console/", views.console_contests, name="console_contests"),
    path("console/<int:pk>/", views.console_contest, name="console_contest"),
    path("console/participation/", views.console_participation, name="console_participation"),
    path("console/banks/", views.console_banks, name="console_banks"),
    path("console/banks/template.xlsx", views.bank_template, name="bank_template"),
    path("console/competitions/", views.console_competitions, name="console_competitions"),
    path("console/competitions/<int:pk>/", views.console_competition, name="console_competition"),
    path("console/marking/<int:item_pk>/", views.marking, name="marking"),
]
