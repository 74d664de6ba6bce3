"""Innovation pages, included at /innovation/."""

from django.urls import path

from .views import console, h5

app_name = "innovation"

urlpatterns = [
    path("", h5.mine, name="h5_mine"),
    path("proposals/new/", h5.proposal_new, name="h5_proposal_new"),
    path("proposals/<int:pk>/", h5.proposal, name="h5_proposal"),
    path("challenges/", h5.challenges, name="h5_challenges"),
    path("challenges/<int:pk>/", h5.challenge, name="h5_challenge"),
    path("console/studios/", console.studios, name="console_studios"),
    path("console/studios/new/", console.studio_new, name="console_studio_new"),
    path("console/studios/<int:pk>/", console.studio, name="console_studio"),
    path("console/studios/<int:pk>/<slug:action>/", console.studio_action, name="console_studio_action"),
    path("console/ratings/", console.ratings, name="console_ratings"),
    path("console/ratings/decide/", console.rating_decide, name="console_rating_decide"),
    path("console/proposals/", console.proposals, name="console_proposals"),
    path("console/proposals/export.xlsx", console.proposals_export, name="console_proposals_export"),
    path("console/proposals/<int:pk>/", console.proposal, name="console_proposal"),
    path(
        "console/proposals/<int:pk>/<slug:action>/", console.proposal_action, name="console_proposal_action"
    ),
    path("console/challenges/", console.challenges, name="console_challenges"),
    path("console/challenges/new/", console.challenge_new, name="console_challenge_new"),
    path("console/challenges/<int:pk>/", console.challenge, name="console_challenge"),
    path(
        "console/challenges/<int:pk>/<slug:action>/",
        console.challenge_action,
        name="console_challenge_action",
    ),
]
