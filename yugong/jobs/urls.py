from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    # worker H5
    path("", views.h5_list, name="h5_list"),
    path("<int:post_id>/", views.h5_detail, name="h5_detail"),
    path("<int:post_id>/intent/", views.h5_intent, name="h5_intent"),
    path("fairs/", views.h5_fairs, name="h5_fairs"),
    path("fairs/<int:fair_id>/", views.h5_fair, name="h5_fair"),
    path("fairs/<int:fair_id>/checkin/", views.h5_fair_checkin, name="h5_fair_checkin"),
    path("mine/", views.h5_mine, name="h5_mine"),
    path("mine/<int:intent_id>/<slug:action>/", views.h5_intent_action, name="h5_intent_action"),
    path("resumes/", views.h5_resumes, name="h5_resumes"),
    path("resumes/new/", views.h5_resume_edit, name="h5_resume_new"),
    path("resumes/<int:resume_id>/", views.h5_resume_edit, name="h5_resume_edit"),
    path("resumes/<int:resume_id>/file/", views.h5_resume_file, name="h5_resume_file"),
    # employer workbench
    path("employer/", views.e_home, name="e_home"),
    path("employer/<int:employer_id>/posts/", views.e_posts, name="e_posts"),
    path("employer/<int:employer_id>/posts/new/", views.e_post_edit, name="e_post_new"),
    path("employer/<int:employer_id>/posts/<int:post_id>/", views.e_post_edit, name="e_post_edit"),
    path(
        "employer/<int:employer_id>/posts/<int:post_id>/<slug:action>/",
        views.e_post_action,
        name="e_post_action",
    ),
    path("employer/<int:employer_id>/intents/", views.e_intents, name="e_intents"),
    path(
        "employer/<int:employer_id>/intents/<int:intent_id>/resume-file/",
        views.e_resume_file,
        name="e_resume_file",
    ),
    path(
        "employer/<int:employer_id>/intents/<int:intent_id>/<slug:action>/",
        views.e_intent_action,
        name="e_intent_action",
    ),
    # staff console
    path("console/", views.c_posts, name="c_posts"),
    path("console/posts/<int:post_id>/", views.c_post, name="c_post"),
    path("console/fairs/", views.c_fairs, name="c_fairs"),
    path("console/fairs/new/", views.c_fair_edit, name="c_fair_new"),
    path("console/fairs/<int:fair_id>/", views.c_fair_edit, name="c_fair_edit"),
    path("console/fairs/<int:fair_id>/checkin-qr.svg", views.c_fair_qr, name="c_fair_qr"),
    path("console/employers/", views.c_employers, name="c_employers"),
    path("console/employers/<int:employer_id>/", views.c_employer, name="c_employer"),
]
