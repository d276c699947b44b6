"""Django settings of the dashboard's unit tests: Horizon's test settings
with this plugin's enabled files and its policy file."""

import os

from horizon.test.settings import *  # noqa: F403
from openstack_dashboard.test.settings import *  # noqa: F403
from openstack_dashboard.utils import settings as settings_utils

import openstack_dashboard.enabled

import drs_dashboard.enabled

INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, drs_dashboard.enabled],
    HORIZON_CONFIG,  # noqa: F405
    INSTALLED_APPS,
)
# Horizon's test settings loaded its own enabled files already.
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))

CONF_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'conf')
POLICY_FILES = dict(POLICY_FILES,  # noqa: F405
                    dr=os.path.join(CONF_DIR, 'dr_policy.yaml'))
DEFAULT_POLICY_FILES = dict(
    DEFAULT_POLICY_FILES,  # noqa: F405
    dr=os.path.join(CONF_DIR, 'dr_default_policy.yaml'))

# pytest runs these without Django's test runner: an in-memory database.
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',
                         'NAME': ':memory:'}}
