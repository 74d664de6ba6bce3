from django.urls import path

from . import views

app_name = "cockpit"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("m/<str:code>/", views.drill, name="drill"),
    path("screen/", views.screen, name="screen"),
    path("metrics/", views.registry, name="registry"),
    path("export/<slug:table>.xlsx", views.export, name="export"),
    path("annual/", views.annual_home, name="annual_home"),
    path("annual/<int:year>/", views.annual, name="annual"),
    path("annual/<int:year>/<slug:action>/", views.annual_action, name="annual_action"),
]
