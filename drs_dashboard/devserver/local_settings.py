# Horizon's local_settings for tools/dashboard.sh (copied into the
# dashboard's virtualenv as openstack_dashboard/local/local_settings.py).
# Each running dashboard names its own settings file in
# DRS_DASHBOARD_SETTINGS (written by tools/dashboard.sh), so several can
# run from one virtualenv.
import os

_path = os.environ.get('DRS_DASHBOARD_SETTINGS')
if _path:
    with open(_path, encoding='utf-8') as _f:
        exec(compile(_f.read(), _path, 'exec'))  # noqa: S102
