"""/v1/sites: the OpenStack regions drs protects from and into."""

from drsclient.v1 import base


class SiteManager(base.Manager):
    collection = 'sites'
    key = 'site'
    # GET /v1/sites/{ref} takes an id or a (unique) name.
    server_resolves_names = True
