"""A real Keystone on 127.0.0.1, for the functional tests and the demo.

It runs Keystone from PyPI under gunicorn, on SQLite, with fernet tokens,
in a directory of its own, and creates the identities drs's tests use:

* ``admin`` (admin of project ``admin``), bootstrapped;
* the ``drs`` service user (admin and service roles in ``service``),
  which keystonemiddleware uses to validate tokens;
* projects ``project-a`` and ``project-b``; ``alice`` is a member and
  ``rita`` a reader of ``project-a``, ``bob`` a member of ``project-b``.

Run ``python -m drs.tests.local_keystone DIR`` to start one in the
foreground (it prints its URL and stops on Ctrl-C).
"""

import dataclasses
import os
import signal
import subprocess
import sys
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from drs.tests import procutils

ADMIN_PASSWORD = 'admin-secret'
USER_PASSWORD = 'user-secret'
SERVICE_PASSWORD = 'drs-service-secret'

# user -> (project, role)
USERS = {
    'alice': ('project-a', 'member'),
    'rita': ('project-a', 'reader'),
    'bob': ('project-b', 'member'),
}

_KEYSTONE_CONF = """\
[DEFAULT]
debug = False
log_file = {dir}/keystone.log
[database]
connection = sqlite:///{dir}/keystone.sqlite
[identity]
# bcrypt cost 4: users and tokens in milliseconds, not a second each
password_hash_rounds = 4
[token]
provider = fernet
[fernet_tokens]
key_repository = {dir}/fernet-keys
[fernet_receipts]
key_repository = {dir}/fernet-keys
[credential]
key_repository = {dir}/credential-keys
[cache]
# In-process cache (one gunicorn worker: one cache, which Keystone
# invalidates itself on every revocation, trust or role change), as the
# test cloud's Keystone: without it a token validation runs ~450 SQL
# queries (implied roles, assignments), ~1.5 s on a loaded 2-core
# machine, and the functional tests wait on this Keystone.
enabled = True
backend = dogpile.cache.memory
"""


@dataclasses.dataclass
class Keystone:
    directory: str
    port: int
    process: subprocess.Popen | None = None
    project_ids: dict = dataclasses.field(default_factory=dict)

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:%d/v3' % self.port

    @property
    def conf_file(self) -> str:
        return os.path.join(self.directory, 'keystone.conf')

    def _manage(self, *args: str) -> None:
        subprocess.run(
            [procutils.venv_bin('keystone-manage'), '--config-file',
             self.conf_file, *args], check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)

    def setup(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        with open(self.conf_file, 'w') as f:
            f.write(_KEYSTONE_CONF.format(dir=self.directory))
        self._manage('db_sync')
        self._manage('fernet_setup', '--keystone-user', str(os.getuid()),
                     '--keystone-group', str(os.getgid()))
        self._manage('credential_setup', '--keystone-user',
                     str(os.getuid()), '--keystone-group', str(os.getgid()))
        self._manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                     '--bootstrap-username', 'admin',
                     '--bootstrap-project-name', 'admin',
                     '--bootstrap-role-name', 'admin',
                     '--bootstrap-service-name', 'keystone',
                     '--bootstrap-region-id', 'RegionOne',
                     '--bootstrap-public-url', self.url)

    def start(self, timeout: float = 60) -> None:
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf_file)
        log = open(os.path.join(self.directory, 'gunicorn.log'), 'ab')
        self.process = subprocess.Popen(
            [procutils.venv_bin('gunicorn'),
             '--bind', '127.0.0.1:%d' % self.port, '--workers', '1',
             '--threads', '8', '--timeout', '120',
             '--no-control-socket', 'drs.tests.keystone_wsgi:application'],
            env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        session = ks_session.Session()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('keystone exited; see %s/gunicorn.log'
                                   % self.directory)
            try:
                session.get(self.url, timeout=10)
                return
            except ks_exc.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError('keystone did not start in %ss'
                                       % timeout)
                time.sleep(0.2)

    def stop(self) -> None:
        procutils.stop_group(self.process)

    # ------------------------------------------------------------ identities
    def admin_session(self) -> ks_session.Session:
        return self.session('admin', ADMIN_PASSWORD, 'admin')

    def session(self, user: str, password: str = USER_PASSWORD,
                project: str | None = None) -> ks_session.Session:
        if project is None:
            project = USERS[user][0]
        return ks_session.Session(auth=v3.Password(
            auth_url=self.url, username=user, password=password,
            user_domain_id='default', project_name=project,
            project_domain_id='default'))

    def token(self, user: str, password: str = USER_PASSWORD,
              project: str | None = None) -> str:
        return self.session(user, password, project).get_token()

    def create_identities(self) -> None:
        s = self.admin_session()

        def get_or_create(kind: str, body: dict) -> dict:
            key = kind[:-1]
            found = s.get('%s/%s?name=%s' % (self.url, kind, body['name'])
                          ).json()[kind]
            if found:
                return found[0]
            return s.post('%s/%s' % (self.url, kind),
                          json={key: body}).json()[key]

        roles = {r['name']: r['id']
                 for r in s.get(self.url + '/roles').json()['roles']}
        roles.setdefault('service', get_or_create(
            'roles', {'name': 'service'})['id'])
        projects = {}
        for name in ('service', 'project-a', 'project-b'):
            projects[name] = get_or_create(
                'projects', {'name': name, 'domain_id': 'default'})['id']
        projects['admin'] = get_or_create(
            'projects', {'name': 'admin', 'domain_id': 'default'})['id']

        def grant(user_id: str, project: str, role: str) -> None:
            s.put('%s/projects/%s/users/%s/roles/%s' % (
                self.url, projects[project], user_id, roles[role]))

        drs_user = get_or_create('users', {
            'name': 'drs', 'domain_id': 'default',
            'password': SERVICE_PASSWORD})
        grant(drs_user['id'], 'service', 'admin')
        grant(drs_user['id'], 'service', 'service')
        for user, (project, role) in USERS.items():
            created = get_or_create('users', {
                'name': user, 'domain_id': 'default',
                'password': USER_PASSWORD})
            grant(created['id'], project, role)
        self.project_ids = projects

    def authtoken_options(self) -> dict:
        """[keystone_authtoken] settings for a drs service using it."""
        return {
            'www_authenticate_uri': self.url,
            'auth_url': self.url,
            'auth_type': 'password',
            'username': 'drs',
            'password': SERVICE_PASSWORD,
            'project_name': 'service',
            'user_domain_id': 'default',
            'project_domain_id': 'default',
            # The bootstrap registers only a public identity endpoint.
            'interface': 'public',
        }


def start(directory: str, port: int | None = None) -> Keystone:
    keystone = Keystone(directory=os.path.abspath(directory),
                        port=port or procutils.free_port())
    keystone.setup()
    keystone.start()
    keystone.create_identities()
    return keystone


def main() -> None:
    directory = sys.argv[1] if len(sys.argv) > 1 else '.keystone'
    port = int(sys.argv[2]) if len(sys.argv) > 2 else None
    keystone = start(directory, port)
    print('keystone listening on %s (pid %d)' % (keystone.url,
                                                 keystone.process.pid),
          flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        keystone.process.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        keystone.stop()


if __name__ == '__main__':
    main()
