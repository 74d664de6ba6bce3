from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.budget_list, name="budgets"),
    path("budgets/<int:pk>/", views.budget_detail, name="budget"),
    path("budgets/<int:pk>/<slug:action>/", views.budget_action, name="budget_action"),
    path("income/<int:pk>/receipt/", views.income_receipt, name="income_receipt"),
    path("lines/<int:pk>/", views.line_detail, name="line"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/<int:pk>/<slug:action>/", views.commitment_action, name="commitment_action"),
    path("reports/", views.report, name="report"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/file/", views.batch_file, name="batch_file"),
    path("batches/<int:pk>/<slug:action>/", views.batch_action, name="batch_action"),
    path("payout-lines/<int:pk>/<slug:action>/", views.payout_line_action, name="payout_line_action"),
    path("reconciliations/", views.run_list, name="runs"),
    path("reconciliations/new/", views.run_start, name="run_start"),
    path("reconciliations/<int:pk>/", views.run_detail, name="run"),
    path("differences/<int:pk>/resolve/", views.difference_resolve, name="difference_resolve"),
]
