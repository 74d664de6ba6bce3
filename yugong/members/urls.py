"""Member pages. Included at the site root (yugong/urls.py) because they span three prefixes: the
scan-to-join link printed on posters (/join/<code>/), the worker's pages (/members/…) and the staff
console (/console/members/…, where the console shows the "acting in" node)."""

from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("join/<str:code>/", views.join, name="join"),
    path("members/card/", views.card, name="card"),
    path("members/mine/", views.my_union, name="my_union"),
    path("members/mine/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("members/transfer/", views.transfer, name="transfer"),
    path("members/verify/", views.verify_scan, name="verify_scan"),
    path("members/verify/<str:token>/", views.verify, name="verify"),
    path("console/members/", views.member_list, name="list"),
    path("console/members/approvals/", views.approvals, name="approvals"),
    path("console/members/<int:pk>/", views.member_detail, name="detail"),
    path("console/members/<int:pk>/approve/", views.approve, name="approve"),
    path("console/members/<int:pk>/reject/", views.reject, name="reject"),
    path("console/members/<int:pk>/reveal/", views.member_reveal, name="reveal"),
    path("console/members/<int:pk>/<slug:action>/", views.member_action, name="action"),
]
