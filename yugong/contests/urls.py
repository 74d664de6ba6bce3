"""Contest pages, included at /contests/ (worker H5, certificate verification) — the staff console
pages sit under /contests/console/."""

from django.urls import path

from .views import console, h5, skills

app_name = "contests"

urlpatterns = [
    path("", h5.h5_list, name="h5_list"),
    path("mine/", h5.h5_mine, name="h5_mine"),
    path("<int:pk>/", h5.h5_detail, name="h5_detail"),
    path("<int:pk>/quiz/", h5.h5_quiz, name="h5_quiz"),
    path("<int:pk>/board/", h5.h5_board, name="h5_board"),
    path("<int:pk>/review/", h5.h5_review, name="h5_review"),
    path("certificate/<int:pk>/", h5.certificate, name="certificate"),
    path("skills-certificate/<int:pk>/", h5.skills_certificate, name="skills_certificate"),
    path("verify/<str:token>/", h5.verify, name="verify"),
    path("console/", console.console_contests, name="console_contests"),
    path("console/<int:pk>/", console.console_contest, name="console_contest"),
    path("console/participation/", console.console_participation, name="console_participation"),
    path("console/banks/", console.console_banks, name="console_banks"),
    path("console/banks/template.xlsx", console.bank_template, name="bank_template"),
    path("console/competitions/", skills.console_competitions, name="console_competitions"),
    path("console/competitions/<int:pk>/", skills.console_competition, name="console_competition"),
    path("console/marking/<int:item_pk>/", skills.marking, name="marking"),
]
