"""Version 1 of the API."""

import pecan

from drs.api.controllers import base
from drs.api.controllers.v1 import operations
from drs.api.controllers.v1 import plans
from drs.api.controllers.v1 import sites
from drs.api import links
from drs.api import microversion


def version_document() -> dict:
    return {
        'id': 'v1',
        'status': 'CURRENT',
        'min_version': microversion.to_str(microversion.MIN_VERSION),
        'version': microversion.to_str(microversion.MAX_VERSION),
        'links': [links.self_link('v1')],
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.dr-v1+json'}],
    }


class V1Controller:

    sites = sites.SitesController()
    plans = plans.PlansController()
    operations = operations.OperationsController()

    @pecan.expose('json')
    def index(self):
        base.allow_methods('GET', 'HEAD')
        return {'version': version_document()}

    @pecan.expose('json', route='openapi.json')
    def openapi_document(self):
        """GET /v1/openapi.json: the OpenAPI 3.1 document (public)."""
        from drs.api import openapi
        base.allow_methods('GET', 'HEAD')
        return openapi.document(links.base_url())
