from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("tree/<int:pk>/children/", views.tree_children, name="tree_children"),
    path("unions/<int:pk>/", views.union_detail, name="union_detail"),
    path("unions/<int:pk>/children/new/", views.union_create, name="union_create"),
    path("unions/<int:pk>/edit/", views.union_edit, name="union_edit"),
    path("unions/<int:pk>/move/", views.union_move, name="union_move"),
    path("unions/<int:pk>/merge/", views.union_merge, name="union_merge"),
    path("unions/<int:pk>/close/", views.union_close, name="union_close"),
    path("unions/<int:pk>/reopen/", views.union_reopen, name="union_reopen"),
    path("unions/<int:pk>/join-qr.png", views.join_qr, {"fmt": "png"}, name="join_qr_png"),
    path("unions/<int:pk>/join-qr.svg", views.join_qr, {"fmt": "svg"}, name="join_qr_svg"),
    path("unions/<int:pk>/join-poster.pdf", views.join_poster, name="join_poster"),
    path("employers/", views.employers, name="employers"),
    path("employers/new/", views.employer_create, name="employer_create"),
    path("employers/<int:pk>/", views.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/edit/", views.employer_edit, name="employer_edit"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("home-ratings/", views.home_ratings, name="home_ratings"),
    path("home-ratings/new/", views.home_rating_create, name="home_rating_create"),
    path("volunteers/", views.volunteer_teams, name="volunteer_teams"),
    path("volunteers/new/", views.volunteer_team_create, name="volunteer_team_create"),
    path("volunteers/<int:pk>/", views.volunteer_team, name="volunteer_team"),
]
