from django.urls import path

from .views import employers, h5_service, homes, national, ratings, roles, tree, volunteers

app_name = "orgs"

urlpatterns = [
    path("", tree.tree, name="tree"),
    path("tree/<int:pk>/children/", tree.tree_children, name="tree_children"),
    path("unions/<int:pk>/", tree.union_detail, name="union_detail"),
    path("unions/<int:pk>/children/new/", tree.union_create, name="union_create"),
    path("unions/<int:pk>/edit/", tree.union_edit, name="union_edit"),
    path("unions/<int:pk>/move/", tree.union_move, name="union_move"),
    path("unions/<int:pk>/merge/", tree.union_merge, name="union_merge"),
    path("unions/<int:pk>/close/", tree.union_close, name="union_close"),
    path("unions/<int:pk>/reopen/", tree.union_reopen, name="union_reopen"),
    path("unions/<int:pk>/join-qr.png", tree.join_qr, {"fmt": "png"}, name="join_qr_png"),
    path("unions/<int:pk>/join-qr.svg", tree.join_qr, {"fmt": "svg"}, name="join_qr_svg"),
    path("unions/<int:pk>/join-poster.pdf", tree.join_poster, name="join_poster"),
    path("employers/", employers.employers, name="employers"),
    path("employers/new/", employers.employer_create, name="employer_create"),
    path("employers/<int:pk>/", employers.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/edit/", employers.employer_edit, name="employer_edit"),
    path("roles/", roles.roles, name="roles"),
    path("roles/<int:pk>/revoke/", roles.role_revoke, name="role_revoke"),
    path("home-ratings/", ratings.home_ratings, name="home_ratings"),
    path("home-ratings/new/", ratings.home_rating_create, name="home_rating_create"),
    path("homes/", homes.overview, name="homes"),
    path("homes/sheets/new/", homes.sheet_create, name="home_sheet_create"),
    path("homes/apply/", homes.application_create, name="home_application_create"),
    path("homes/a/<int:pk>/", homes.application, name="home_application"),
    path("homes/a/<int:pk>/evidence/<int:score_id>/", homes.evidence, name="home_evidence"),
    path("homes/publish/", homes.publish, name="home_publish"),
    path("homes/national/", national.nominations, name="home_national"),
    path("homes/national/recommend/", national.recommend, name="home_national_recommend"),
    path("homes/national/<int:pk>/result/", national.result, name="home_national_result"),
    path("volunteers/", volunteers.volunteer_teams, name="volunteer_teams"),
    path("volunteers/new/", volunteers.volunteer_team_create, name="volunteer_team_create"),
    path("volunteers/<int:pk>/", volunteers.volunteer_team, name="volunteer_team"),
    path(
        "volunteers/<int:pk>/activities/new/",
        volunteers.service_activity_create,
        name="service_activity_create",
    ),
    # Worker pages (H5) of volunteer service; the roll is the team lead's page.
    path("volunteer/", h5_service.activities, name="v_activities"),
    path("volunteer/a/<int:activity_id>/", h5_service.activity, name="v_activity"),
    path("volunteer/a/<int:activity_id>/signup/", h5_service.signup, name="v_signup"),
    path("volunteer/a/<int:activity_id>/roll/", h5_service.roll, name="v_roll"),
    path("volunteer/signups/<int:signup_id>/cancel/", h5_service.signup_cancel, name="v_signup_cancel"),
    path("volunteer/mine/", h5_service.mine, name="v_mine"),
    path("volunteer/statement/", h5_service.statement, name="v_statement"),
    path("volunteer/records/<int:record_id>/<str:action>/", h5_service.record_action, name="v_record"),
]
