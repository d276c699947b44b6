"""Print a drs configuration for drs-all-in-one against the test cloud.

    testcloud_drs_conf.py CLOUD_JSON STATE_DIR PORT [SYNC_INTERVAL [STORAGE]]

Used by tools/demo.sh and tools/dashboard.sh (one place for it). SQLite
and the log in STATE_DIR, in-process messaging, the test cloud's Keystone
for tokens and for drs's own user, and the test cloud's file-pool
replication backend (loaded by class path: run drs with
tools/testcloud/drivers on PYTHONPATH) or, with STORAGE ``ceph`` (the
``ceph`` profile), drs's RBD mirroring backend and its ``rgw`` driver on
the profile's two clusters and RGW zones (the sites then need the RGW
zones as ``endpoint_overrides``: see ``rgw_overrides``). Standard
library only.
"""
import json
import sys


def rgw_overrides(cloud, site):
    """``endpoint_overrides`` of drs's site ``site`` on the ceph profile:
    its RGW zone's Swift API, the tenant's account as a catalog template
    names it."""
    return {'object-store': cloud['ceph']['sites'][site]['rgw']['swift_url']
            + '/AUTH_%(project_id)s'}


def storage_sections(cloud, storage):
    if storage == 'file':
        pools = ','.join('%s:%s' % (s['region'], s['cinder']['pool_dir'])
                         for s in cloud['sites'].values())
        return ("""
# The test cloud's Cinder file pools replicate by themselves;
# what a replica is comes from the test cloud's own backend.
[replication]
default_backend = drs_file_pool:FilePoolBackend
[file_pool_replication]
pool_dirs = %s
""" % pools)
    if storage != 'ceph':
        raise SystemExit('unknown storage %r (file or ceph)' % storage)
    regions = {k: s['region'] for k, s in cloud['sites'].items()}
    out = ("""
# The ceph profile: RBD mirroring between the sites' clusters,
# RGW multisite between their zones.
[replication]
backends = %s
""" % ','.join('%s:rbd' % r for r in regions.values()))
    for key, region in sorted(regions.items()):
        c = cloud['ceph']['sites'][key]
        out += ("""[rbd_replication:{r}]
ceph_conf = {conf}
keyring = {keyring}
client_id = {cid}
pool = {pool}
cinder_host = {host}
[rgw:{r}]
ceph_conf = {conf}
keyring = {keyring}
client_id = {cid}
zone = {zone}
""".format(r=region, conf=c['ceph_conf'], keyring=c['keyring'],
           cid=c['client_id'], pool=c['pool'], host=c['cinder_host'],
           zone=c['rgw']['zone']))
    return out


def main(cloud_json, state, port, sync_interval='5', storage='file'):
    with open(cloud_json) as f:
        cloud = json.load(f)
    ks = cloud['keystone']['url']
    drs = cloud['users']['drs']
    auth = (f"auth_url = {ks}\nauth_type = password\n"
            f"username = {drs['name']}\npassword = {drs['password']}\n"
            f"project_name = {drs['project']}\n"
            "user_domain_name = Default\nproject_domain_name = Default\n")
    print(f"""# drs-all-in-one against the two-site test cloud, written by
# tools/testcloud_drs_conf.py from {cloud_json}.
# Every option, with its help: tox -e genconfig (etc/drs/drs.conf.sample).
[DEFAULT]
log_file = {state}/drs.log
transport_url = fake://
[api]
host_ip = 127.0.0.1
port = {port}
auth_strategy = keystone
[database]
connection = sqlite:///{state}/drs.sqlite
[engine]
periodic_interval = 5
[protection]
sync_interval = {sync_interval}
[drivers]
wait_timeout = 120
object_storage = {'rgw' if storage == 'ceph' else 'swift'}
{storage_sections(cloud, storage)}[recovery]
server_active_timeout = 180
resource_timeout = 120
# Tokens of the API's callers are checked by this Keystone.
[keystone_authtoken]
www_authenticate_uri = {ks}
{auth}interface = public
# drs's own user: each plan gets a Keystone trust to it, which the engine
# acts through (without it, plans cannot be protected).
[service_auth]
{auth}""")


if __name__ == '__main__':
    main(*sys.argv[1:])
