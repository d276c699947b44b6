"""No secret in clear in a real debug log (``debug = true``).

A drs process (``prepare_service``, as every drs command starts) drives
keystoneauth, at debug, through what the engine does: a password token
from the real Keystone, a trust created and deleted (its id in the body
and in the URL), and a Nova-shaped server body with user data and an
admin password (served on 127.0.0.1: the test cloud's Nova is not part
of the functional tests). The log file is then scanned.
"""

import json
import os
import subprocess
import sys
import textwrap

from drs.tests import local_keystone

USER_DATA = 'I2Nsb3VkLWNvbmZpZwpjaHBhc3N3ZDogZXhwaXJlOiBmYWxzZQ=='
ADMIN_PASS = 'Nova-admin-Pass-42'

PROBE = textwrap.dedent('''
    import http.server, json, logging, sys, threading
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from oslo_log import log
    from drs.common import service

    conf_file, url, user, password, body = sys.argv[1:6]
    service.prepare_service(['--config-file', conf_file])

    class Nova(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = body.encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    nova = http.server.HTTPServer(('127.0.0.1', 0), Nova)
    threading.Thread(target=nova.serve_forever, daemon=True).start()

    s = ks_session.Session(auth=v3.Password(
        auth_url=url, username=user, password=password,
        user_domain_id='default', project_name='project-a',
        project_domain_id='default'))
    # As python-novaclient (and the other clients) make keystoneauth log:
    # through the client's logger, which oslo.log leaves at debug.
    client_log = logging.getLogger('novaclient.v2.client')
    token = s.get_token()
    me = s.get_user_id()
    project = s.get_project_id()
    trust = s.post(url + '/OS-TRUST/trusts', json={'trust': {
        'trustor_user_id': me, 'trustee_user_id': me,
        'project_id': project, 'impersonation': True,
        'roles': [{'name': 'member'}]}}, logger=client_log).json()[
            'trust']['id']
    s.get(url + '/OS-TRUST/trusts/' + trust, logger=client_log)
    s.delete(url + '/OS-TRUST/trusts/' + trust, logger=client_log)
    s.get('http://127.0.0.1:%d/v2.1/servers/abc' % nova.server_port,
          authenticated=True, logger=client_log)
    log.getLogger('drs.probe').info('probe done')
    print(json.dumps({'token': token, 'trust': trust}))
    ''')


def test_debug_log_holds_no_secret(keystone, tmp_path):
    log_file = tmp_path / 'drs-engine.log'
    conf = tmp_path / 'drs.conf'
    conf.write_text('[DEFAULT]\ndebug = true\nlog_file = %s\n' % log_file)
    body = json.dumps({'server': {
        'id': 'abc', 'name': 'web-1', 'OS-EXT-SRV-ATTR:user_data': USER_DATA,
        'adminPass': ADMIN_PASS, 'metadata': {'tier': 'web'}}})
    proc = subprocess.run(
        [sys.executable, '-c', PROBE, str(conf), keystone.url, 'alice',
         local_keystone.USER_PASSWORD, body],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, OS_DRS_CONFIG_FILES=''))
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    text = log_file.read_text()
    # The log is a real debug log of those calls...
    assert 'probe done' in text
    assert 'RESP BODY' in text and 'web-1' in text
    assert 'OS-TRUST/trusts' in text
    # ...with no secret in it.
    for name, secret in (('user data', USER_DATA),
                         ('admin password', ADMIN_PASS),
                         ('password', local_keystone.USER_PASSWORD),
                         ('token', found['token']),
                         ('trust id', found['trust'])):
        assert secret not in text, '%s in the debug log' % name
