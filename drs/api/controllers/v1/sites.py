"""/v1/sites: the OpenStack regions drs protects from and into."""

import pecan

from drs.api.controllers import base
from drs.api.schemas.v1 import sites as schema
from drs.api import links
from drs.api import validation
from drs.common import timeutils
from drs.db import api as db_api
from drs import policy

SORT_KEYS = ('created_at', 'name', 'region_name', 'id')
FILTERS = ('name', 'region_name')


def site_view(site, show_overrides: bool) -> dict:
    view = {
        'id': site.id,
        'name': site.name,
        'description': site.description,
        'region_name': site.region_name,
        'auth_url': site.auth_url,
        'interface': site.interface,
        'verify_tls': site.verify_tls,
        'created_at': timeutils.isotime(site.created_at),
        'updated_at': timeutils.isotime(site.updated_at),
        'links': [links.self_link('v1', 'sites', site.id)],
    }
    if show_overrides:
        view['endpoint_overrides'] = site.endpoint_overrides
    return view


def _show_overrides(context) -> bool:
    return policy.check('dr:site:get:endpoint_overrides', context)


class SitesController(base.CollectionController):

    @pecan.expose('json')
    def get_all(self, **kwargs):
        context = pecan.request.context
        policy.authorize('dr:site:get_all', context)
        params = validation.query(
            validation.PAGINATION_PARAMS | set(FILTERS))
        page = validation.pagination(params, SORT_KEYS)
        filters = {k: params[k] for k in FILTERS if k in params}
        rows = db_api.site_list(context, filters=filters, **page)
        show = _show_overrides(context)
        items = [site_view(s, show) for s in rows]
        return {'sites': items,
                'links': links.collection_links(items, page['limit'])}

    @pecan.expose('json')
    def get_one(self, site_id):
        context = pecan.request.context
        policy.authorize('dr:site:get', context)
        return {'site': site_view(db_api.site_get(context, site_id),
                                  _show_overrides(context))}

    @pecan.expose('json')
    def post(self, **kwargs):
        context = pecan.request.context
        policy.authorize('dr:site:create', context)
        values = validation.body(schema.CREATE)['site']
        values.setdefault('interface', 'public')
        values.setdefault('verify_tls', True)
        values.setdefault('endpoint_overrides', {})
        site = db_api.site_create(context, values)
        pecan.response.status = 201
        pecan.response.location = links.self_link('v1', 'sites',
                                                  site.id)['href']
        return {'site': site_view(site, True)}

    @pecan.expose('json')
    def patch(self, site_id, **kwargs):
        context = pecan.request.context
        policy.authorize('dr:site:update', context)
        values = validation.body(schema.UPDATE)['site']
        site = db_api.site_get(context, site_id)
        site = db_api.site_update(context, site.id, values)
        return {'site': site_view(site, True)}

    @pecan.expose('json')
    def delete(self, site_id):
        context = pecan.request.context
        policy.authorize('dr:site:delete', context)
        site = db_api.site_get(context, site_id)
        db_api.site_delete(context, site.id)
        pecan.response.status = 204
