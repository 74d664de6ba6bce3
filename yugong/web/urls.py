from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.h5_home, name="home"),
    path("h5/<slug:tab>/", views.h5_tab, name="tab"),
    path("prefs/large-font/", views.toggle_large_font, name="large_font"),
    path("console/", views.console_home, name="console"),
    path("console/acting/", views.console_acting, name="console_acting"),
    path("console/audit/", views.console_audit, name="console_audit"),
    path("console/sms-outbox/", views.console_sms_outbox, name="console_sms_outbox"),
    path("console/s/<slug:section>/", views.console_section, name="console_section"),
    path("whoami/", views.whoami, name="whoami"),
]
