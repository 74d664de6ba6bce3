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
]
