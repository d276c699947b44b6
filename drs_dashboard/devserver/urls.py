"""URLs of the dashboard that tools/dashboard.sh serves: Horizon's, and
its collected static files (runserver on 127.0.0.1 with no web server in
front; DEBUG stays off, so no traceback reaches a page)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from openstack_dashboard.urls import urlpatterns as horizon_urlpatterns

urlpatterns = [
    re_path(r'^%s(?P<path>.*)$' % settings.STATIC_URL.lstrip('/'), serve,
            {'document_root': settings.STATIC_ROOT}),
] + list(horizon_urlpatterns)
