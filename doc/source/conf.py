# Developer documentation of drs: ``tox -e docs`` (tools/test.sh builds it
# with warnings as errors).

extensions = ['openstackdocstheme']

html_theme = 'openstackdocs'
openstackdocs_repo_name = 'openstack/drs'
openstackdocs_bug_project = 'drs'
openstackdocs_auto_name = False

project = 'drs'
copyright = '2026, drs developers'
source_suffix = {'.rst': 'restructuredtext'}
master_doc = 'index'
pygments_style = 'native'
