"""Keystone's public WSGI app for gunicorn.

keystone parses ``sys.argv`` with oslo.config when its app is built, and
would take gunicorn's own arguments for its own; this module hides them.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.server import wsgi  # noqa: E402

application = wsgi.initialize_public_application()
