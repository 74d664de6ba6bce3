"""Roster import and member export pages, mounted at ``members/roster/`` by ``yugong/urls.py``."""

from django.urls import path

from . import views

app_name = "roster"

urlpatterns = [
    path("template.xlsx", views.template, name="template"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/errors.xlsx", views.import_errors_xlsx, name="import_errors"),
    path("export/", views.export_page, name="export"),
]
