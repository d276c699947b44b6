from django.urls import re_path

from drs_dashboard.dashboards.project.dr_plans import views

PLAN = r'^(?P<plan_id>[^/]+)/'
OP = r'^operations/(?P<operation_id>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/sites/$', views.ChooseSitesView.as_view(),
            name='choose_sites'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
    re_path(OP + r'$', views.OperationView.as_view(), name='operation'),
    re_path(OP + r'progress\.json$', views.OperationProgressView.as_view(),
            name='progress'),
    re_path(OP + r'cancel/$', views.CancelOperationView.as_view(),
            name='cancel'),
    re_path(PLAN + r'$', views.DetailView.as_view(), name='detail'),
    re_path(PLAN + r'update/$', views.UpdateView.as_view(), name='update'),
    re_path(PLAN + r'action/(?P<action>[a-z_]+)/$',
            views.ActionView.as_view(), name='action'),
]
