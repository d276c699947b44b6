"""Smoke tests of the test cloud's ``ceph`` profile, with bytes.

* a ``ceph-replicated`` volume created in Cinder A by a tenant member is an
  RBD image of A's cluster, mirrored to B by rbd-mirror: bytes written into
  it at A are read at B from the mirrored (non-primary) image;
* an object PUT through RGW A with a tenant's Keystone token is read from
  RGW B (the other zone of the zonegroup) with the same token.

Skipped unless the cloud runs the profile (``testcloud up --profile ceph``).
"""
import os
import time
import uuid

from keystoneauth1 import exceptions as ks_exc

from drs.tests.integration.ceph_helpers import rbd_io, rbd_json
from drs.tests.integration.conftest import unique, wait_until

def test_rbd_volume_bytes_mirrored_a_to_b(cloud, ceph):
    a, b = ceph['sites']['a'], ceph['sites']['b']
    cinder = cloud.cinder('tenant1-member', 'a')
    vol = cinder.volumes.create(1, name=unique('ceph-smoke'),
                                volume_type=ceph['volume_type'])
    try:
        wait_until('volume available', lambda: cinder.volumes.get(
            vol.id).status in ('available', 'error'), timeout=120)
        v = cloud.cinder('admin', 'a').volumes.get(vol.id)
        assert v.status == 'available', v.status
        assert getattr(v, 'os-vol-host-attr:host') == a['cinder_host']
        assert v.replication_status == 'enabled'
        image = 'volume-%s' % vol.id
        info = rbd_json(a, 'mirror', 'image', 'status',
                        '%s/%s' % (a['pool'], image))
        assert info['name'] == image
        t0 = time.monotonic()
        wait_until('image mirrored to B', lambda: image in (
            rbd_json(b, 'ls', b['pool']) or []), timeout=120)
        data = uuid.uuid4().bytes * 64           # 1 KiB, unique
        offset = 3 << 20
        rbd_io(a, 'write', image, offset, data.hex())
        t_write = time.monotonic()

        def at_b():
            r = rbd_io(b, 'read', image, offset, len(data), check=False)
            return r.returncode == 0 and r.stdout.strip() == data.hex()
        wait_until('bytes written at A readable at B', at_b, timeout=120,
                   interval=1)
        lag = time.monotonic() - t_write
        # B's copy is the non-primary replica: it refuses writes.
        r = rbd_io(b, 'write', image, 0, 'ff', check=False)
        assert r.returncode != 0 and 'ReadOnly' in r.stderr, r.stderr
        # rbd-mirror writes an image's status asynchronously (a new
        # image can read "down+unknown, status not found" for a while
        # after its bytes arrived).
        def replaying():
            st = rbd_json(b, 'mirror', 'image', 'status',
                          '%s/%s' % (b['pool'], image))
            return st['state'] in ('up+replaying', 'up+syncing') and st
        wait_until('mirror status at B replaying', replaying, timeout=90,
                   interval=2)
        print('image at B %.1f s after create; write at A readable at B '
              'after %.1f s' % (t_write - t0, lag))
    finally:
        cinder.volumes.delete(vol.id)


def _rgw(cloud, site_info, token, method, path, **kw):
    sess = cloud.session('tenant1-member')
    return sess.request(site_info['rgw']['swift_url'] + path, method,
                        headers=dict(kw.pop('headers', {}),
                                     **{'X-Auth-Token': token}),
                        authenticated=False, raise_exc=False, **kw)


def test_rgw_object_put_at_a_read_at_b(cloud, ceph):
    a, b = ceph['sites']['a'], ceph['sites']['b']
    sess = cloud.session('tenant1-member')
    token = sess.get_token()
    account = '/AUTH_%s' % cloud.user('tenant1-member')['project_id']
    container, obj = unique('ceph-smoke'), 'o1'
    data = os.urandom(256 << 10)
    r = _rgw(cloud, a, token, 'PUT', '%s/%s' % (account, container))
    assert r.status_code in (201, 202), (r.status_code, r.text)
    try:
        r = _rgw(cloud, a, token, 'PUT', '%s/%s/%s' % (account, container,
                                                         obj), data=data)
        assert r.status_code == 201, (r.status_code, r.text)
        t_put = time.monotonic()

        def at_b():
            try:
                got = _rgw(cloud, b, token, 'GET', '%s/%s/%s' % (
                    account, container, obj))
            except ks_exc.ConnectionError:
                return False
            return got.status_code == 200 and got.content == data
        wait_until('object written at zone site-a readable at site-b',
                   at_b, timeout=120, interval=1)
        print('object readable at B %.1f s after the PUT at A'
              % (time.monotonic() - t_put))
        # A token of another tenant is refused at B too.
        other = cloud.session('tenant2-member').get_token()
        r = _rgw(cloud, b, other, 'GET', '%s/%s/%s' % (account, container,
                                                         obj))
        assert r.status_code in (401, 403), r.status_code
    finally:
        _rgw(cloud, a, token, 'DELETE', '%s/%s/%s' % (account, container,
                                                        obj))
        _rgw(cloud, a, token, 'DELETE', '%s/%s' % (account, container))
