from django.urls import path

from . import funding_views, views, views_reading

app_name = "events"

urlpatterns = [
    path("", views.h5_list, name="h5_list"),
    path("mine/", views.h5_mine, name="h5_mine"),
    path("<int:activity_id>/", views.h5_detail, name="h5_detail"),
    path("<int:activity_id>/signup/", views.h5_signup, name="h5_signup"),
    path("<int:activity_id>/lottery/", views.h5_lottery, name="h5_lottery"),
    path("<int:activity_id>/lottery.json", views.h5_lottery_record, name="h5_lottery_record"),
    path("mine/<int:signup_id>/qr.svg", views.h5_checkin_qr, name="h5_checkin_qr"),
    path("mine/<int:signup_id>/<slug:action>/", views.h5_signup_action, name="h5_signup_action"),
    path("console/", views.console_list, name="console_list"),
    path("console/new/", views.console_new, name="console_new"),
    path("console/<int:activity_id>/", views.console_detail, name="console_detail"),
    path("console/<int:activity_id>/edit/", views.console_edit, name="console_edit"),
    path("console/<int:activity_id>/group/", views.console_group, name="console_group"),
    path("console/<int:activity_id>/checkin/", views.console_checkin, name="console_checkin"),
    path("console/<int:activity_id>/budget/", funding_views.console_budget, name="console_budget"),
    path(
        "console/<int:activity_id>/budget/<slug:action>/",
        funding_views.console_budget_action,
        name="console_budget_action",
    ),
]

# The reading campaign (玫瑰书香) and the day's photos (views_reading).
urlpatterns += [
    path("<int:activity_id>/reading/", views_reading.h5_reading, name="h5_reading"),
    path("<int:activity_id>/reading/log/", views_reading.h5_reading_log, name="h5_reading_log"),
    path("<int:activity_id>/reading/board/", views_reading.h5_reading_board, name="h5_reading_board"),
    path("<int:activity_id>/reading/essays/", views_reading.h5_essays, name="h5_essays"),
    path("<int:activity_id>/reading/essays/new/", views_reading.h5_essay_new, name="h5_essay_new"),
    path("<int:activity_id>/reading/essays/<int:essay_id>/", views_reading.h5_essay, name="h5_essay"),
    path("<int:activity_id>/photos/", views_reading.h5_photos, name="h5_photos"),
    path(
        "<int:activity_id>/photos/<int:photo_id>/takedown/",
        views_reading.h5_photo_takedown,
        name="h5_photo_takedown",
    ),
    path("console/<int:activity_id>/reading/", views_reading.console_reading, name="console_reading"),
    path(
        "console/<int:activity_id>/reading/books/<int:book_id>/",
        views_reading.console_book,
        name="console_book",
    ),
    path(
        "console/<int:activity_id>/reading/books/<int:book_id>/remove/",
        views_reading.console_book_remove,
        name="console_book_remove",
    ),
    path("console/<int:activity_id>/reading/essays/", views_reading.console_essays, name="console_essays"),
    path("console/<int:activity_id>/photos/", views_reading.console_photos, name="console_photos"),
    path(
        "console/<int:activity_id>/photos/<slug:action>/",
        views_reading.console_photo_action,
        name="console_photo_action",
    ),
]

# The kinds' pages (views_kinds): contest works, 相亲联谊, 爱心托管, 健身打卡.
from . import views_kinds  # noqa: E402 - appended with its routes

urlpatterns += [
    path("<int:activity_id>/works/", views_kinds.works_gallery, name="kinds_works"),
    path("<int:activity_id>/works/ranking/", views_kinds.works_ranking, name="kinds_works_ranking"),
    path("<int:activity_id>/works/new/", views_kinds.work_submit, name="kinds_work_submit"),
    path("works/mine/", views_kinds.my_works, name="kinds_my_works"),
    path("works/<int:work_id>/vote/", views_kinds.work_vote, name="kinds_work_vote"),
    path("<int:activity_id>/match/", views_kinds.match_home, name="kinds_match"),
    path("<int:activity_id>/match/signup/", views_kinds.match_signup, name="kinds_match_signup"),
    path("<int:activity_id>/match/card/", views_kinds.match_card, name="kinds_match_card"),
    path("<int:activity_id>/match/matches/", views_kinds.match_matches, name="kinds_match_matches"),
    path(
        "<int:activity_id>/match/interest/<int:profile_id>/",
        views_kinds.match_interest,
        name="kinds_match_interest",
    ),
    path("<int:activity_id>/childcare/", views_kinds.childcare_home, name="kinds_childcare"),
    path("<int:activity_id>/childcare/enrol/", views_kinds.childcare_enrol, name="kinds_childcare_enrol"),
    path("<int:activity_id>/fitness/", views_kinds.fitness_home, name="kinds_fitness"),
    path("<int:activity_id>/fitness/checkin/", views_kinds.fitness_checkin, name="kinds_fitness_checkin"),
    path("console/works/", views_kinds.console_works, name="console_works"),
    path("console/works/<int:work_id>/review/", views_kinds.console_work_review, name="console_work_review"),
    path("console/<int:activity_id>/childcare/", views_kinds.console_childcare, name="console_childcare"),
    path(
        "console/<int:activity_id>/childcare/groups/",
        views_kinds.console_childcare_group,
        name="console_childcare_group",
    ),
]
