"""What tools/dashboard.sh needs in the test cloud and in drs.

``python -m drs_dashboard.devserver.cloud_setup CLOUD_JSON DRS_URL CATALOG``
  registers the ``dr`` service and its endpoints in each region of the
  test cloud at CATALOG (the dashboard's drs, 127.0.0.1:9779 by
  default) if there are none (additive: existing ones are kept), and the
  two test-cloud sites in the drs at DRS_URL if it has none. Prints the
  endpoint the dashboard must use when the catalog's is not DRS_URL
  (an empty line when it is).
"""

import json
import sys

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
import requests


def admin_session(cloud):
    u = cloud['users']['admin']
    return ks_session.Session(auth=v3.Password(
        auth_url=cloud['keystone']['url'], username=u['name'],
        password=u['password'], project_name=u['project'],
        user_domain_name='Default', project_domain_name='Default'))


def ensure_dr_endpoints(cloud, drs_url):
    """The ``dr`` endpoints of the catalog (made if missing)."""
    keystone = ks_client.Client(session=admin_session(cloud))
    services = [s for s in keystone.services.list() if s.type == 'dr']
    if services:
        service = services[0]
    else:
        service = keystone.services.create(
            name='drs', type='dr', description='Disaster Recovery')
    endpoints = keystone.endpoints.list(service=service)
    have = {(e.region, e.interface) for e in endpoints}
    regions = sorted({s['region'] for s in cloud['sites'].values()})
    for region in regions:
        for interface in ('public', 'internal'):
            if (region, interface) not in have:
                keystone.endpoints.create(service=service, url=drs_url,
                                          interface=interface, region=region)
    return {(e.region, e.interface): e.url
            for e in keystone.endpoints.list(service=service)}


def ensure_sites(cloud, drs_url):
    """The sites drs knows (the test cloud's two, registered if none)."""
    sess = admin_session(cloud)
    headers = {'X-Auth-Token': sess.get_token(),
               'OpenStack-API-Version': 'dr latest'}
    sites = requests.get(drs_url + '/v1/sites', headers=headers,
                         timeout=30).json()['sites']
    if sites:
        return sites
    for key, site in sorted(cloud['sites'].items()):
        resp = requests.post(drs_url + '/v1/sites', headers=headers,
                             timeout=30, json={'site': {
                                 'name': 'site-%s' % key,
                                 'region_name': site['region'],
                                 'auth_url': cloud['keystone']['url'],
                                 'interface': 'public',
                                 'description': 'test cloud site %s' % key}})
        resp.raise_for_status()
        sites.append(resp.json()['site'])
    return sites


def main(argv):
    with open(argv[1]) as f:
        cloud = json.load(f)
    drs_url = argv[2].rstrip('/')
    endpoints = ensure_dr_endpoints(cloud, argv[3].rstrip('/'))
    ensure_sites(cloud, drs_url)
    # Horizon goes to the catalog's endpoint; when another drs is
    # registered there, this dashboard is pointed at ours instead.
    others = {u.rstrip('/') for u in endpoints.values()} - {drs_url}
    print(drs_url if others else '')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
