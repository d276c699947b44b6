import os

import django
from django.test import utils

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'drs_dashboard.tests.settings')
django.setup()
# What Django's test runner does first (ALLOWED_HOSTS, template signals);
# pytest runs these tests without it.
utils.setup_test_environment()
