"""The benchmarks count every request keystoneauth logs, quoted URLs
(those with a query string) included."""

import types

from benchmarks import bench


def test_quoted_and_bare_urls_are_counted(tmp_path):
    log = tmp_path / 'drs.log'
    log.write_text('before\n')
    cloud = types.SimpleNamespace(data={
        'keystone': {'url': 'http://127.0.0.1:5000/v3'},
        'sites': {'a': {'endpoints': {
            'network': 'http://127.0.0.1:9696',
            'compute': 'http://127.0.0.1:8774/v2.1'}}}})
    counter = bench.RequestLog(types.SimpleNamespace(log=str(log)), cloud)
    counter.mark()
    with open(log, 'a') as f:
        f.write(
            'DEBUG keystoneauth.session REQ: curl -g -i -X GET '
            '"http://127.0.0.1:9696/v2.0/ports?device_id=a" -H "A: b"\n'
            'DEBUG keystoneauth.session REQ: curl -g -i -X GET '
            'http://127.0.0.1:9696/v2.0/security-groups/x -H "A: b"\n'
            'DEBUG keystoneauth.session REQ: curl -g -i -X POST '
            'http://127.0.0.1:5000/v3/auth/tokens -H "A: b"\n'
            'DEBUG keystoneauth.session RESP BODY: {}\n')
    assert counter.since_mark() == {'a:network': 2, 'keystone': 1}
