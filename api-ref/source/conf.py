# API reference of drs, built with os-api-ref: ``tox -e api-ref``.
#
# The request and response samples in samples/ are written by the
# functional test drs/tests/functional/cli/test_api_samples.py from real
# calls (DRS_WRITE_API_SAMPLES=1), and checked against the live API by
# the same test otherwise.

extensions = [
    'os_api_ref',
    'openstackdocstheme',
]

html_theme = 'openstackdocs'
html_theme_options = {
    'sidebar_mode': 'toc',
}

openstackdocs_repo_name = 'openstack/drs'
openstackdocs_bug_project = 'drs'
openstackdocs_bug_tag = 'api-ref'
openstackdocs_auto_name = False

project = 'Disaster Recovery Service API Reference'
copyright = '2026, drs developers'
source_suffix = {'.rst': 'restructuredtext'}
master_doc = 'index'
exclude_patterns = ['samples']
pygments_style = 'native'
htmlhelp_basename = 'drs-api-ref'
