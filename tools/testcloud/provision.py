"""Create the test cloud's Keystone identities and per-site resources.

Runs inside the ``core`` venv (keystoneauth1, python-keystoneclient, PyYAML)
and is idempotent: everything is get-or-create.

    python provision.py identity    # roles, projects, users, regions, catalog
    python provision.py resources   # volume types, image, flavors, networks,
                                    # then cloud.json + clouds.yaml
"""
import hashlib
import json
import os
import sys
import time

import yaml
from keystoneauth1 import adapter
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as ks_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tclib import ceph as tcceph  # noqa: E402
from tclib import layout as L  # noqa: E402

STATE = L.State()
H = {'Connection': 'close'}
IMAGE_NAME = 'cirros-tiny'
FLAVORS = [('m1.tiny', 1, 128, 1), ('m1.small', 1, 512, 1)]
CINDER_MV = '3.71'


def log(msg):
    print('[provision %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


def session(user, password, project):
    return ks_session.Session(auth=v3.Password(
        auth_url=L.KEYSTONE_URL, username=user, password=password,
        project_name=project, user_domain_name='Default',
        project_domain_name='Default'))


def admin_session():
    return session(L.ADMIN['name'], L.ADMIN['password'], L.ADMIN['project'])


def api(sess, service_type, site, **kw):
    return adapter.Adapter(sess, service_type=service_type, interface='public',
                           region_name=L.SITES[site]['region'], **kw)


# ------------------------------------------------------------------ identity
CATALOG = [
    # (service name, type, path appended to the site's URL of 'port key')
    ('cinderv3', 'volumev3', 'cinder', '/v3/%(project_id)s'),
    ('cinder', 'block-storage', 'cinder', '/v3/%(project_id)s'),
    ('nova', 'compute', 'nova', '/v2.1'),
    ('placement', 'placement', 'placement', ''),
    ('glance', 'image', 'glance', ''),
    ('neutron', 'network', 'neutron', ''),
    ('swift', 'object-store', 'swift', '/v1/AUTH_%(project_id)s'),
]


def _get_or_create(manager, name, **kw):
    for obj in manager.list(**({'domain': kw['domain']} if 'domain' in kw
                               else {})):
        if obj.name == name:
            return obj
    return manager.create(name=name, **kw)


def identity():
    ks = ks_client.Client(session=admin_session(), interface='public')
    roles = {r.name: r for r in ks.roles.list()}
    for name in ('member', 'reader', 'service', 'ResellerAdmin'):
        if name not in roles:
            roles[name] = ks.roles.create(name)
    regions = {r.id for r in ks.regions.list()}
    for site in L.SITES.values():
        if site['region'] not in regions:
            ks.regions.create(id=site['region'])
    projects = {}
    for name in (L.SERVICE_PROJECT,) + L.TENANTS:
        projects[name] = _get_or_create(ks.projects, name, domain='default')

    def user(name, password, grants):
        u = _get_or_create(ks.users, name, domain='default',
                           password=password)
        for project, role in grants:
            ks.roles.grant(roles[role], user=u, project=projects[project])
        return u

    for svc in L.SERVICE_USERS:
        user(svc, L.service_password(svc),
             [(L.SERVICE_PROJECT, 'admin'), (L.SERVICE_PROJECT, 'service')])
    # drs: admin + service in 'service', so it can create and consume trusts
    # and call admin APIs (manage, failover).
    user(L.DRS_USER['name'], L.DRS_USER['password'],
         [(L.SERVICE_PROJECT, 'admin'), (L.SERVICE_PROJECT, 'service')])
    for tenant in L.TENANTS:
        for name, password, role in L.tenant_users(tenant):
            user(name, password, [(tenant, role)])

    services = {s.type: s for s in ks.services.list()}
    endpoints = {(e.service_id, e.region_id, e.interface): e
                 for e in ks.endpoints.list()}
    identity_svc = services['identity']
    for site in L.SITES:
        region = L.SITES[site]['region']
        wanted = [(identity_svc, L.KEYSTONE_URL)]
        for name, stype, key, path in CATALOG:
            if stype not in services:
                services[stype] = ks.services.create(name=name, type=stype)
            wanted.append((services[stype], L.url(site, key) + path))
        for svc, url in wanted:
            for iface in ('public', 'internal', 'admin'):
                ep = endpoints.get((svc.id, region, iface))
                if ep is None:
                    ks.endpoints.create(service=svc, url=url, interface=iface,
                                        region=region)
                elif ep.url != url:
                    ks.endpoints.update(ep, url=url)
    log('identity ok: projects %s' % {k: v.id for k, v in projects.items()})


# ------------------------------------------------------------------ resources
def wait(what, fn, timeout=180, interval=0.5):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            result = fn()
            if result:
                return result
        except Exception as e:   # noqa: BLE001 - reported on timeout
            last = e
        time.sleep(interval)
    raise SystemExit('%s: not ready after %ss (last: %r)' % (what, timeout,
                                                             last))


def cinder_resources(sess, site):
    cinder = api(sess, 'block-storage', site, default_microversion=CINDER_MV)

    def backend_up():
        svcs = cinder.get('/os-services', headers=H).json()['services']
        # The file backend's own service: another cinder-volume (the ceph
        # profile's RBD one, stopped or still starting) must not hide it.
        up = {(s['binary'], s['host']) for s in svcs if s['state'] == 'up'}
        pools = cinder.get('/scheduler-stats/get_pools',
                           headers=H).json()['pools']
        return (any(b == 'cinder-scheduler' for b, _h in up) and
                ('cinder-volume', 'site-%s-storage@file' % site) in up
                and pools)
    wait('cinder site %s backend' % site, backend_up)

    types = {t['name']: t for t in cinder.get(
        '/types?is_public=None', headers=H).json()['volume_types']}
    specs = {'standard': {'volume_backend_name': 'file'},
             'replicated': {'volume_backend_name': 'file',
                            'replication_enabled': '<is> True'}}
    for name, extra in specs.items():
        if name not in types:
            types[name] = cinder.post('/types', headers=H, json={
                'volume_type': {'name': name, 'extra_specs': extra,
                                'os-volume-type-access:is_public': True}}
            ).json()['volume_type']
    gtypes = {t['name']: t for t in cinder.get(
        '/group_types', headers=H).json()['group_types']}
    if 'replicated-group' not in gtypes:
        spec = {'consistent_group_replication_enabled': '<is> True'}
        gtypes['replicated-group'] = cinder.post(
            '/group_types', headers=H, json={'group_type': {
                'name': 'replicated-group', 'is_public': True,
                'group_specs': spec}}).json()['group_type']
    return {'volume_types': {n: types[n]['id'] for n in specs},
            'default_volume_type': 'standard',
            'group_types': {'replicated-group':
                            gtypes['replicated-group']['id']},
            'backend_host': 'site-%s-storage@file' % site,
            'replication_target': 'site-%s' % L.SITES[site]['peer'],
            'pool_dir': STATE.pool(site)}


def image_bytes():
    """A few KiB of recognisable, deterministic bytes."""
    head = b'DRS-TESTCLOUD-IMAGE cirros-tiny v1\n'
    body = hashlib.sha256(head).digest() * 2048          # 64 KiB
    return head + body


def glance_resources(sess, site):
    glance = api(sess, 'image', site)
    data = image_bytes()
    found = glance.get('/v2/images?name=%s' % IMAGE_NAME,
                       headers=H).json()['images']
    img = next((i for i in found if i['status'] == 'active'), None)
    for stale in found:
        if stale is not img:
            glance.delete('/v2/images/%s' % stale['id'], headers=H)
    if img is None:
        img = glance.post('/v2/images', headers=H, json={
            'name': IMAGE_NAME, 'disk_format': 'raw',
            'container_format': 'bare', 'visibility': 'public',
            'min_disk': 1}).json()
        glance.put('/v2/images/%s/file' % img['id'], data=data, headers={
            'Content-Type': 'application/octet-stream', 'Connection': 'close'})
        img = glance.get('/v2/images/%s' % img['id'], headers=H).json()
    return {'name': IMAGE_NAME, 'id': img['id'], 'size': len(data),
            'sha256': hashlib.sha256(data).hexdigest()}


def nova_resources(sess, site):
    nova = api(sess, 'compute', site, default_microversion='2.96')
    have = {f['name']: f for f in nova.get('/flavors', headers=H).json()[
        'flavors']}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in have:
            nova.post('/flavors', headers=H, json={'flavor': {
                'name': name, 'id': name, 'vcpus': vcpus, 'ram': ram,
                'disk': disk}})

    def compute_up():
        hvs = nova.get('/os-hypervisors/detail', headers=H).json()[
            'hypervisors']
        return [h for h in hvs if h['state'] == 'up']
    hv = wait('nova-compute site %s' % site, compute_up)
    return {'flavors': {name: name for name, _, _, _ in FLAVORS},
            'compute_host': 'site-%s-compute' % site,
            'hypervisors': [h['hypervisor_hostname'] for h in hv]}


def neutron_resources(sess, site, projects):
    neutron = api(sess, 'network', site)
    out = {}
    for tenant in L.TENANTS:
        pid = projects[tenant]
        name = '%s-net' % tenant
        nets = neutron.get('/v2.0/networks?name=%s&project_id=%s' % (
            name, pid), headers=H).json()['networks']
        net = nets[0] if nets else neutron.post('/v2.0/networks', headers=H,
                                                json={'network': {
                                                    'name': name,
                                                    'project_id': pid}}
                                                ).json()['network']
        sname = '%s-subnet' % tenant
        subs = neutron.get('/v2.0/subnets?name=%s&network_id=%s' % (
            sname, net['id']), headers=H).json()['subnets']
        sub = subs[0] if subs else neutron.post('/v2.0/subnets', headers=H,
                                                json={'subnet': {
                                                    'name': sname,
                                                    'network_id': net['id'],
                                                    'project_id': pid,
                                                    'ip_version': 4,
                                                    'cidr': L.TENANT_CIDR[
                                                        tenant]}}
                                                ).json()['subnet']
        out[tenant] = {'network': name, 'network_id': net['id'],
                       'subnet': sname, 'subnet_id': sub['id'],
                       'cidr': sub['cidr']}
    return out


def swift_resources(site):
    import urllib.request
    # an http:// URL built from constants
    with urllib.request.urlopen(  # noqa: S310
            L.url(site, 'swift') + '/info') as r:
        info = json.load(r)
    realms = info.get('container_sync', {}).get('realms', {})
    if L.SYNC_REALM.upper() not in realms:
        raise SystemExit('swift site %s publishes no realm %s: %s' % (
            site, L.SYNC_REALM, realms))
    return {'url': L.url(site, 'swift') + '/v1',
            'realm': L.SYNC_REALM, 'cluster': L.sync_cluster(site),
            'sync_to_prefix': '//%s/%s' % (L.SYNC_REALM, L.sync_cluster(site)),
            'reseller_prefix': 'AUTH_'}


def resources():
    sess = admin_session()
    ks = ks_client.Client(session=sess, interface='public')
    projects = {p.name: p.id for p in ks.projects.list()}
    cloud = {
        'version': 1,
        'state_dir': STATE.root,
        'testcloud': os.path.join(L.TOOLS_DIR, 'testcloud'),
        'volume_io': os.path.join(L.TOOLS_DIR, 'volume_io.py'),
        'clouds_yaml': STATE.clouds_yaml,
        'keystone': {'url': L.KEYSTONE_URL, 'user_domain': 'Default',
                     'project_domain': 'Default'},
        'projects': projects,
        'users': {},
        'replication': {
            'interval_s': int(os.environ.get(
                'DRS_TESTCLOUD_REPLICATION_INTERVAL', '5')),
            'container_sync_interval_s': int(os.environ.get(
                'DRS_TESTCLOUD_SYNC_INTERVAL', '5')),
            'pause_flags': {s: os.path.join(STATE.pool(s),
                                            'replication.paused')
                            for s in L.SITES}},
        'sites': {},
    }

    def add_user(key, name, password, project, roles):
        cloud['users'][key] = {'name': name, 'password': password,
                               'project': project,
                               'project_id': projects[project],
                               'roles': roles}
    add_user('admin', L.ADMIN['name'], L.ADMIN['password'],
             L.ADMIN['project'], ['admin'])
    add_user('drs', L.DRS_USER['name'], L.DRS_USER['password'],
             L.DRS_USER['project'], ['admin', 'service'])
    for tenant in L.TENANTS:
        for name, password, role in L.tenant_users(tenant):
            add_user(name, name, password, tenant, [role])

    for site in L.SITES:
        region = L.SITES[site]['region']
        log('site %s (%s)' % (site, region))
        s = {'region': region, 'peer': L.SITES[site]['peer'],
             'endpoints': {stype: L.url(site, key) + path.replace(
                 '/%(project_id)s', '').replace('AUTH_%(project_id)s', '')
                 .rstrip('/')
                 for _, stype, key, path in CATALOG}}
        s['cinder'] = cinder_resources(sess, site)
        s['image'] = glance_resources(sess, site)
        s['networks'] = neutron_resources(sess, site, projects)
        s['swift'] = swift_resources(site)
        s['nova'] = nova_resources(sess, site)
        cloud['sites'][site] = s

    tmp = STATE.cloud_json + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(cloud, f, indent=1, sort_keys=True)
    os.replace(tmp, STATE.cloud_json)
    write_clouds_yaml(cloud)
    log('wrote %s and %s' % (STATE.cloud_json, STATE.clouds_yaml))


def write_clouds_yaml(cloud):
    clouds = {}
    for site, s in cloud['sites'].items():
        for key, u in cloud['users'].items():
            clouds['testcloud-%s-%s' % (site, key)] = {
                'auth': {'auth_url': cloud['keystone']['url'],
                         'username': u['name'], 'password': u['password'],
                         'project_name': u['project'],
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'region_name': s['region'],
                'interface': 'public',
                'identity_api_version': 3,
            }
    with open(STATE.clouds_yaml, 'w') as f:
        f.write('# written by tools/testcloud (provision.py); test-only '
                'credentials\n')
        yaml.safe_dump({'clouds': clouds}, f, default_flow_style=False,
                       sort_keys=True)


# ------------------------------------------------------------ profile ceph
def ceph_resources(sess, site):
    """Wait for the RBD backend of ``site``; its volume type."""
    cinder = api(sess, 'block-storage', site, default_microversion=CINDER_MV)
    backend = 'site-%s-storage@%s' % (site, tcceph.BACKEND)

    def backend_up():
        svcs = cinder.get('/os-services', headers=H).json()['services']
        up = any(s['host'] == backend and s['state'] == 'up' for s in svcs)
        pools = cinder.get('/scheduler-stats/get_pools',
                           headers=H).json()['pools']
        return up and any(p['name'] == tcceph.cinder_host(site)
                          for p in pools)
    wait('cinder site %s backend %s' % (site, backend), backend_up)
    types = {t['name']: t for t in cinder.get(
        '/types?is_public=None', headers=H).json()['volume_types']}
    if tcceph.VOLUME_TYPE not in types:
        types[tcceph.VOLUME_TYPE] = cinder.post('/types', headers=H, json={
            'volume_type': {
                'name': tcceph.VOLUME_TYPE,
                'extra_specs': {'volume_backend_name': tcceph.BACKEND,
                                'replication_enabled': '<is> True'},
                'os-volume-type-access:is_public': True}}
        ).json()['volume_type']
    return types[tcceph.VOLUME_TYPE]['id']


def ceph():
    """Volume type ``ceph-replicated`` per site; cloud.json gains ``ceph``
    (merged into the file the base ``resources`` step wrote)."""
    sess = admin_session()
    info = tcceph.cloud_info(STATE)
    for site in L.SITES:
        info['sites'][site]['volume_type_id'] = ceph_resources(sess, site)
    with open(STATE.cloud_json) as f:
        cloud = json.load(f)
    cloud['ceph'] = info
    tmp = STATE.cloud_json + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(cloud, f, indent=1, sort_keys=True)
    os.replace(tmp, STATE.cloud_json)
    log('cloud.json: ceph profile published')


if __name__ == '__main__':
    {'identity': identity, 'resources': resources,
     'ceph': ceph}[sys.argv[1]]()
