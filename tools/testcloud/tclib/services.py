"""The processes of the test cloud and how to initialise their databases.

A Service knows its command line, environment, port and readiness check;
``SERVICES`` lists them in start order.  ``setup_tasks`` lists the one-time
steps (DB migrations, rings, Keystone bootstrap), each guarded by a stamp
file so a second ``up`` skips them.
"""
import glob
import os

from . import ceph
from . import configs
from . import infra
from . import layout as L
from .procs import http_ready, port_open


class Service:
    def __init__(self, name, site, argv, port=None, url=None, env=None,
                 ready=None, before_start=None, group='site', cwd=None):
        self.name = name                  # unique, e.g. cinder-api-a
        self.site = site                  # 'a', 'b' or None (shared)
        self.argv = argv
        self.port = port
        self.url = url
        self.env = env or {}
        self.ready = ready or (lambda: port_open(port) if port else True)
        self.before_start = before_start  # callable waited on before start
        self.group = group
        self.cwd = cwd                    # default: the state directory


def _uwsgi(state, port, module, *extra):
    # --http-socket + "Connection: close": uWSGI resets reused keep-alive
    # connections otherwise.  --buffer-size: a user token plus a service
    # token exceed the default 4 KiB header buffer.  --need-app: exit when
    # the application fails to load instead of answering 500s.
    return [state.bin(L.VENV, 'uwsgi'), '--http-socket', '127.0.0.1:%d' % port,
            '--module', module, '--master', '--processes', '1',
            '--threads', '4', '--lazy-apps', '--die-on-term', '--need-app',
            '--add-header', 'Connection: close', '--buffer-size', '65535',
            ] + list(extra)


def _queue_exists(site, prefix):
    return lambda: any(q.startswith(prefix) for q in infra.queues(site))


def build(state):
    """All services, in start order."""
    drivers = L.DRIVERS_DIR
    out = [Service(
        'keystone', None,
        _uwsgi(state, L.KEYSTONE_PORT, 'keystone.wsgi.api:application'),
        port=L.KEYSTONE_PORT, url=L.KEYSTONE_URL,
        env={'OS_KEYSTONE_CONFIG_FILES': configs.etc(
            state, 'keystone', 'keystone.conf')},
        ready=lambda: http_ready(L.KEYSTONE_URL), group='keystone')]
    for s in L.SITES:
        e = lambda *p, s=s: configs.site_etc(state, s, *p)   # noqa: E731
        cinder_conf = ['--config-file', e('cinder', 'cinder.conf')]
        nova_conf = ['--config-file', e('nova', 'nova.conf')]
        swift_dir = e('swift')
        out += [
            Service('memcached-%s' % s, s,
                    ['/usr/bin/memcached', '-u', 'root', '-l', '127.0.0.1',
                     '-p', str(L.port(s, 'memcached')), '-U', '0', '-m', '32'],
                    port=L.port(s, 'memcached')),
            Service('cinder-api-%s' % s, s,
                    _uwsgi(state, L.port(s, 'cinder'),
                           'cinder.wsgi.api:application',
                           '--pyargv', ' '.join(cinder_conf)),
                    port=L.port(s, 'cinder'), url=L.url(s, 'cinder') + '/v3',
                    ready=lambda s=s: http_ready(L.url(s, 'cinder'))),
            Service('cinder-scheduler-%s' % s, s,
                    [state.bin(L.VENV, 'cinder-scheduler')] + cinder_conf),
            # cinder-volume's first capability report is a fanout cast: if the
            # scheduler is not consuming yet, it is lost and creates fail with
            # "No valid backend" for a minute.
            Service('cinder-volume-%s' % s, s,
                    [state.bin(L.VENV, 'cinder-volume')] + cinder_conf,
                    env={'PYTHONPATH': drivers},
                    before_start=_queue_exists(s, 'cinder-scheduler_fanout')),
        ]
        for server in configs.SWIFT_SERVERS:
            out.append(Service(
                'swift-%s-%s' % (server, s), s,
                [state.bin(L.VENV, 'swift-%s-server' % server),
                 os.path.join(swift_dir, '%s-server.conf' % server), '-v'],
                port=L.port(s, 'swift-' + server)))
        out += [
            Service('swift-proxy-%s' % s, s,
                    [state.bin(L.VENV, 'swift-proxy-server'),
                     os.path.join(swift_dir, 'proxy-server.conf'), '-v'],
                    port=L.port(s, 'swift'), url=L.url(s, 'swift') + '/v1',
                    ready=lambda s=s: http_ready(
                        L.url(s, 'swift') + '/healthcheck')),
            Service('swift-container-sync-%s' % s, s,
                    [state.bin(L.VENV, 'python'),
                     os.path.join(drivers, 'swift_daemon.py'), swift_dir,
                     os.path.join(swift_dir, 'container-server.conf'),
                     'container-sync']),
            Service('placement-%s' % s, s,
                    _uwsgi(state, L.port(s, 'placement'),
                           'placement.wsgi.api:application'),
                    port=L.port(s, 'placement'), url=L.url(s, 'placement'),
                    env={'OS_PLACEMENT_CONFIG_DIR': e('placement')},
                    ready=lambda s=s: http_ready(L.url(s, 'placement'))),
            Service('glance-%s' % s, s,
                    _uwsgi(state, L.port(s, 'glance'),
                           'glance.wsgi.api:application',
                           '--http-chunked-input', '--http-raw-body'),
                    port=L.port(s, 'glance'), url=L.url(s, 'glance'),
                    env={'OS_GLANCE_CONFIG_DIR': e('glance')},
                    ready=lambda s=s: http_ready(L.url(s, 'glance'))),
            Service('neutron-%s' % s, s,
                    _uwsgi(state, L.port(s, 'neutron'),
                           'neutron.wsgi.api:application', '--enable-threads'),
                    port=L.port(s, 'neutron'), url=L.url(s, 'neutron'),
                    env={'OS_NEUTRON_CONFIG_DIR': e('neutron'),
                         'OS_NEUTRON_CONFIG_FILES':
                             'neutron.conf;plugins/ml2/ml2_conf.ini',
                         'PYTHONPATH': drivers},
                    ready=lambda s=s: http_ready(L.url(s, 'neutron'))),
            Service('nova-api-%s' % s, s,
                    _uwsgi(state, L.port(s, 'nova'),
                           'nova.wsgi.osapi_compute:application'),
                    port=L.port(s, 'nova'), url=L.url(s, 'nova') + '/v2.1',
                    env={'OS_NOVA_CONFIG_DIR': e('nova'),
                         'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'},
                    ready=lambda s=s: http_ready(L.url(s, 'nova'))),
            Service('nova-conductor-%s' % s, s,
                    [state.bin(L.VENV, 'nova-conductor')] + nova_conf),
            Service('nova-scheduler-%s' % s, s,
                    [state.bin(L.VENV, 'nova-scheduler')] + nova_conf),
            # nova-compute's first conductor ping is lost (10 s RPC timeout)
            # if the conductor queue does not exist yet.
            Service('nova-compute-%s' % s, s,
                    [state.bin(L.VENV, 'nova-compute'), '--config-file',
                     e('nova', 'nova-compute.conf')],
                    before_start=_queue_exists(s, 'conductor')),
        ]
    if ceph.enabled(state):
        out += ceph.services(state)
    return out


def base(svcs):
    """The base cloud's services (without a profile's extras)."""
    return [s for s in svcs if not s.group.startswith('ceph')]


# ------------------------------------------------------------------ setup
def setup_tasks(state):
    """(stamp name, list of argv) for one-time initialisation steps."""
    tasks = []
    ks_conf = ['--config-file',
               configs.etc(state, 'keystone', 'keystone.conf')]
    km = [state.bin(L.VENV, 'keystone-manage')] + ks_conf
    tasks.append(('keystone-db', [
        km + ['db_sync'],
        km + ['fernet_setup', '--keystone-user', 'root',
              '--keystone-group', 'root'],
        km + ['credential_setup', '--keystone-user', 'root',
              '--keystone-group', 'root'],
        km + ['bootstrap', '--bootstrap-password', L.ADMIN['password'],
              '--bootstrap-username', L.ADMIN['name'],
              '--bootstrap-project-name', L.ADMIN['project'],
              '--bootstrap-role-name', 'admin',
              '--bootstrap-service-name', 'keystone',
              '--bootstrap-region-id', L.SITES['a']['region'],
              '--bootstrap-admin-url', L.KEYSTONE_URL,
              '--bootstrap-internal-url', L.KEYSTONE_URL,
              '--bootstrap-public-url', L.KEYSTONE_URL]]))
    for s in L.SITES:
        e = lambda *p, s=s: configs.site_etc(state, s, *p)   # noqa: E731
        nm = [state.bin(L.VENV, 'nova-manage'), '--config-file',
              e('nova', 'nova.conf')]
        tasks += [
            ('cinder-db-%s' % s, [[state.bin(L.VENV, 'cinder-manage'),
                                   '--config-file', e('cinder', 'cinder.conf'),
                                   'db', 'sync']]),
            ('placement-db-%s' % s, [[state.bin(L.VENV, 'placement-manage'),
                                      '--config-file',
                                      e('placement', 'placement.conf'),
                                      'db', 'sync']]),
            ('glance-db-%s' % s, [[state.bin(L.VENV, 'glance-manage'),
                                   '--config-file',
                                   e('glance', 'glance-api.conf'),
                                   'db_sync']]),
            ('neutron-db-%s' % s, [[state.bin(L.VENV, 'neutron-db-manage'),
                                    '--config-file', e('neutron',
                                                       'neutron.conf'),
                                    '--config-file',
                                    e('neutron', 'plugins', 'ml2',
                                      'ml2_conf.ini'),
                                    'upgrade', 'heads']]),
            ('nova-db-%s' % s, [
                nm + ['api_db', 'sync'],
                nm + ['cell_v2', 'map_cell0', '--database_connection',
                      L.db_url('nova_cell0', s)],
                nm + ['cell_v2', 'create_cell', '--name', 'cell1'],
                nm + ['db', 'sync']]),
        ]
    return tasks


def stamp_path(state, name):
    return os.path.join(state.stamps, name)


def stamps(state):
    return [os.path.basename(p) for p in glob.glob(os.path.join(
        state.stamps, '*'))]
