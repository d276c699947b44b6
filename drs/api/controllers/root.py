"""The root of the API: version discovery."""

import pecan

from drs.api.controllers import base
from drs.api.controllers import v1


class RootController:

    v1 = v1.V1Controller()

    @pecan.expose('json')
    def index(self):
        base.allow_methods('GET', 'HEAD')
        return {'versions': [v1.version_document()]}
