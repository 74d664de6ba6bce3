from django.urls import path

from . import views

app_name = "rights"

urlpatterns = [
    # worker H5
    path("", views.h5_home, name="h5_home"),
    path("new/", views.h5_new, name="h5_new"),
    path("mine/", views.h5_mine, name="h5_mine"),
    path("mine/<int:appeal_id>/", views.h5_detail, name="h5_detail"),
    path("policies/", views.h5_policies, name="h5_policies"),
    path("policies/<int:policy_id>/", views.h5_policy, name="h5_policy"),
    path("files/<int:attachment_id>/", views.attachment_download, name="attachment"),
    # staff console
    path("console/intake/", views.intake, name="intake"),
    path("console/intake/caller/", views.caller_history, name="caller_history"),
    path("console/intake/policies/", views.policy_lookup, name="policy_lookup"),
    path("console/appeals/", views.appeal_list, name="list"),
    path("console/appeals/<int:appeal_id>/", views.appeal_detail, name="detail"),
    path("console/queues/", views.queues, name="queues"),
    path("console/mediations/", views.mediations, name="mediations"),
    path("console/policies/", views.policies, name="policies"),
    path("console/policies/new/", views.policy_edit, name="policy_new"),
    path("console/policies/<int:policy_id>/edit/", views.policy_edit, name="policy_edit"),
    path("console/faqs/", views.faqs, name="faqs"),
    path("console/faqs/new/", views.faq_edit, name="faq_new"),
    path("console/faqs/<int:faq_id>/edit/", views.faq_edit, name="faq_edit"),
]
