from django.urls import path

from .views import console, h5, library

app_name = "rights"

urlpatterns = [
    # worker H5
    path("", h5.h5_home, name="h5_home"),
    path("new/", h5.h5_new, name="h5_new"),
    path("mine/", h5.h5_mine, name="h5_mine"),
    path("mine/<int:appeal_id>/", h5.h5_detail, name="h5_detail"),
    path("policies/", h5.h5_policies, name="h5_policies"),
    path("policies/<int:policy_id>/", h5.h5_policy, name="h5_policy"),
    path("files/<int:attachment_id>/", h5.attachment_download, name="attachment"),
    # staff console
    path("console/intake/", console.intake, name="intake"),
    path("console/intake/caller/", console.caller_history, name="caller_history"),
    path("console/intake/policies/", console.policy_lookup, name="policy_lookup"),
    path("console/appeals/", console.appeal_list, name="list"),
    path("console/appeals/<int:appeal_id>/", console.appeal_detail, name="detail"),
    path("console/queues/", console.queues, name="queues"),
    path("console/mediations/", console.mediations, name="mediations"),
    path("console/policies/", library.policies, name="policies"),
    path("console/policies/new/", library.policy_edit, name="policy_new"),
    path("console/policies/<int:policy_id>/edit/", library.policy_edit, name="policy_edit"),
    path("console/faqs/", library.faqs, name="faqs"),
    path("console/faqs/new/", library.faq_edit, name="faq_new"),
    path("console/faqs/<int:faq_id>/edit/", library.faq_edit, name="faq_edit"),
]
