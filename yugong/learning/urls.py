"""Learning pages, included at /learning/."""

from django.urls import path

from . import console, console_bank, console_certs, views, views_bank, views_certs, views_media, views_quiz

app_name = "learning"

urlpatterns = [
    path("", views.h5_courses, name="h5_courses"),
    path("course/<int:pk>/", views.h5_course, name="h5_course"),
    path("lesson/<int:pk>/", views.h5_lesson, name="h5_lesson"),
    path("media/<int:pk>/<str:label>/", views_media.lesson_media, name="lesson_media"),
    path("credits/", views.h5_credits, name="h5_credits"),
    path("credits/skills/", views.h5_skills, name="h5_skills"),
    path("quiz/<int:pk>/", views_quiz.h5_quiz, name="h5_quiz"),
    path("class/<int:pk>/", views_bank.h5_class, name="h5_class"),
    path("credits/convert/", views_bank.h5_convert, name="h5_convert"),
    path("certificates/", views_certs.h5_certificates, name="h5_certificates"),
    path("certificates/<str:code>/", views_certs.h5_certificate, name="h5_certificate"),
    path("certificates/<str:code>/pdf/", views_certs.certificate_pdf, name="certificate_pdf"),
    path("certificates/<str:code>/badge.jwt", views_certs.certificate_badge, name="certificate_badge"),
    path("verify/<str:code>/", views_certs.verify, name="verify"),
    path("badges/issuer/", views_certs.badge_issuer, name="badge_issuer"),
    path("badges/jwks.json", views_certs.badge_jwks, name="badge_jwks"),
    path("console/courses/", console.courses, name="console_courses"),
    path("console/courses/<int:pk>/", console.course, name="console_course"),
    path("console/outcomes/", console.outcomes, name="console_outcomes"),
    path("console/outcomes/<int:pk>/", console.outcome_decide, name="console_outcome_decide"),
    path("console/programmes/", console_bank.programmes, name="console_programmes"),
    path("console/conversions/", console_bank.conversions, name="console_conversions"),
    path("console/conversions/<int:pk>/", console_bank.conversion_decide, name="console_conversion_decide"),
    path("console/classes/<int:pk>/", console_bank.class_page, name="console_class"),
    path("console/certificates/", console_certs.certificates, name="console_certificates"),
    path(
        "console/certificates/<int:pk>/revoke/",
        console_certs.certificate_revoke_view,
        name="console_certificate_revoke",
    ),
]
