from django.urls import re_path

from drs_dashboard.dashboards.admin.dr_sites import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
]
