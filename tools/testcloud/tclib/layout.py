"""Where everything is: state directory, ports, databases, users.

This module is the single source of truth for names, ports and credentials;
``cloud.json`` (written by provision.py) publishes them to tests and drs.
"""
import os

HOST = '127.0.0.1'
TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(os.path.dirname(TOOLS_DIR))
DRIVERS_DIR = os.path.join(TOOLS_DIR, 'drivers')
CONSTRAINTS = os.path.join(TOOLS_DIR, 'constraints.txt')

# One venv holds every service: the pins of keystone, cinder, swift, nova,
# placement, glance and neutron agree (constraints.txt), and one install is
# ~3x faster than four.  Split it (infra.VENVS) if they ever diverge.
VENV = 'openstack'

KEYSTONE_PORT = 5000
KEYSTONE_URL = 'http://%s:%d/v3' % (HOST, KEYSTONE_PORT)

# Site A uses the usual OpenStack ports, site B the same + 1000.
SITE_PORTS = {
    'cinder': 8776, 'nova': 8774, 'placement': 8778, 'glance': 9292,
    'neutron': 9696, 'swift': 8080, 'swift-object': 6010,
    'swift-container': 6011, 'swift-account': 6012, 'memcached': 21211,
}
SITES = {
    'a': {'region': 'RegionOne', 'offset': 0, 'peer': 'b'},
    'b': {'region': 'RegionTwo', 'offset': 1000, 'peer': 'a'},
}


def port(site, service):
    return SITE_PORTS[service] + SITES[site]['offset']


def url(site, service):
    return 'http://%s:%d' % (HOST, port(site, service))


# Swift: one container-sync realm shared by both clusters.
SYNC_REALM = 'testcloud'
SYNC_REALM_KEY = 'testcloud-realm-key'


def sync_cluster(site):
    return 'site-%s' % site


# MariaDB (the machine's) and RabbitMQ (the machine's): own databases/vhosts.
DB_USER = 'testcloud'
DB_PASSWORD = 'testcloud-db'  # noqa: S105 - test-only, on loopback
DB_PREFIX = 'tc_'
SITE_DATABASES = ('cinder', 'nova_api', 'nova_cell0', 'nova_cell1',
                  'placement', 'glance', 'neutron')


def db_name(name, site=None):
    return DB_PREFIX + name + ('_' + site if site else '')


def all_databases():
    return [db_name('keystone')] + [db_name(d, s) for s in SITES
                                    for d in SITE_DATABASES]


def db_url(name, site=None):
    return 'mysql+pymysql://%s:%s@%s:3306/%s?charset=utf8' % (
        DB_USER, DB_PASSWORD, HOST, db_name(name, site))


def vhost(site):
    return 'tc-site-%s' % site


def transport_url(site):
    return 'rabbit://guest:guest@%s:5672/%s' % (HOST, vhost(site))


# Keystone identities.  Passwords are test-only and published in cloud.json.
ADMIN = {'name': 'admin', 'password': 'admin-pass', 'project': 'admin'}
SERVICE_PROJECT = 'service'
SERVICE_USERS = ('cinder', 'nova', 'neutron', 'glance', 'placement', 'swift')
DRS_USER = {'name': 'drs', 'password': 'drs-pass', 'project': 'service'}
TENANTS = ('tenant1', 'tenant2')
TENANT_CIDR = {'tenant1': '10.10.0.0/24', 'tenant2': '10.20.0.0/24'}


def service_password(name):
    return '%s-pass' % name


def tenant_users(tenant):
    """(user name, password, role) of a tenant project's users."""
    return [('%s-member' % tenant, '%s-member-pass' % tenant, 'member'),
            ('%s-reader' % tenant, '%s-reader-pass' % tenant, 'reader')]


class State:
    """Paths inside the state directory (default <repo>/.testcloud)."""

    def __init__(self, root=None):
        self.root = os.path.abspath(
            root or os.environ.get('DRS_TESTCLOUD_DIR') or
            os.path.join(REPO_DIR, '.testcloud'))

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def venvs(self):
        return self.path('venvs')

    def venv(self, name):
        return self.path('venvs', name)

    def bin(self, venv, prog):
        return self.path('venvs', venv, 'bin', prog)

    @property
    def run(self):
        return self.path('run')

    @property
    def log(self):
        return self.path('log')

    @property
    def etc(self):
        return self.path('etc')

    @property
    def stamps(self):
        return self.path('stamps')

    def site_dir(self, site, *parts):
        return self.path('site-%s' % site, *parts)

    def pool(self, site):
        return self.site_dir(site, 'cinder', 'pool')

    @property
    def cloud_json(self):
        return self.path('cloud.json')

    @property
    def clouds_yaml(self):
        return self.path('clouds.yaml')
