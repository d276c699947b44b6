"""The machine's shared services, Debian packages and the venvs.

The test cloud uses the machine's MariaDB and RabbitMQ (own databases and
vhosts) and starts them with the machine's own commands if they are down.
"""
import os
import shutil
import subprocess
import time

from . import layout
from .procs import port_open, wait_for

# Debian packages the cloud needs; (command that proves it, package).
APT_PACKAGES = [
    ('/usr/bin/memcached', 'memcached'),          # Swift proxy token cache
    ('/usr/sbin/mariadbd', 'mariadb-server'),
    ('/usr/sbin/rabbitmqctl', 'rabbitmq-server'),
    ('/usr/bin/mariadb', 'mariadb-client'),
    # not used by the cloud itself, but by drs: started like the others
    ('/usr/bin/pg_ctlcluster', 'postgresql'),
    ('/usr/bin/redis-server', 'redis-server'),
]

# The machine's services, started (only if down) exactly as the machine does.
SYSTEM_SERVICES = [
    ('mariadb', 3306, ['start-stop-daemon', '--start', '--oknodo',
                       '--background', '--exec', '/usr/sbin/mariadbd']),
    ('rabbitmq', 5672, ['rabbitmq-server', '-detached']),
    ('postgresql', 5432, ['sh', '-c', 'pg_ctlcluster '
                           '--skip-systemctl-redirect $(ls /etc/postgresql) '
                           'main start']),
    ('redis', 6379, ['redis-server', '--daemonize', 'yes', '--bind',
                     '127.0.0.1', '-::1', '--port', '6379', '--save', '',
                     '--appendonly', 'no', '--dir', '/var/lib/redis',
                     '--logfile', '/var/log/redis/ci.log']),
]

# venv name -> packages (versions come from constraints.txt).
VENVS = {
    layout.VENV: ['keystone', 'cinder', 'swift', 'keystonemiddleware',
                  'python-keystoneclient', 'nova', 'openstack-placement',
                  'glance', 'neutron', 'PyMySQL', 'pyuwsgi'],
}


def run(argv, log=None, check=True, **kw):
    if log:
        with open(log, 'ab') as f:
            f.write(('\n$ %s\n' % ' '.join(argv)).encode())
            f.flush()
            r = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, **kw)
    else:
        r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if check and r.returncode:
        raise RuntimeError('%s failed (rc %s)%s' % (
            ' '.join(argv), r.returncode,
            '; see %s' % log if log
            else ': ' + (r.stderr or r.stdout)[-2000:]))
    return r


def ensure_apt(state, extra=()):
    missing = [pkg for path, pkg in APT_PACKAGES + list(extra)
               if not os.path.exists(path)]
    if not missing:
        return []
    log = os.path.join(state.log, 'apt.log')
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    run(['apt-get', 'update', '-qq'], log=log, env=env)
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends']
        + missing, log=log, env=env)
    return missing


def ensure_system_services(state):
    started = []
    for name, port, argv in SYSTEM_SERVICES:
        if port_open(port):
            continue
        run(argv, log=os.path.join(state.log, 'system-services.log'),
            check=False)
        wait_for('%s on port %d' % (name, port),
                 lambda port=port: port_open(port), 90)
        started.append(name)
    return started


def mysql(sql):
    return run(['mariadb', '-uroot', '-h', layout.HOST, '-P', '3306',
                '--batch', '--skip-column-names', '-e', sql])


def reset_databases():
    """Drop and recreate every tc_* database (only for a fresh state dir)."""
    stmts = ["CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s'"
             % (layout.DB_USER, layout.HOST, layout.DB_PASSWORD),
             "ALTER USER '%s'@'%s' IDENTIFIED BY '%s'"
             % (layout.DB_USER, layout.HOST, layout.DB_PASSWORD),
             "GRANT ALL PRIVILEGES ON `%s%%`.* TO '%s'@'%s'"
             % (layout.DB_PREFIX.replace('_', '\\_'), layout.DB_USER,
                layout.HOST)]
    for db in layout.all_databases():
        stmts.append('DROP DATABASE IF EXISTS `%s`' % db)
        stmts.append('CREATE DATABASE `%s` CHARACTER SET utf8' % db)
    mysql('; '.join(stmts))


def drop_databases():
    mysql('; '.join('DROP DATABASE IF EXISTS `%s`' % db
                    for db in layout.all_databases()))


def reset_vhosts():
    for site in layout.SITES:
        vh = layout.vhost(site)
        run(['rabbitmqctl', '-q', 'delete_vhost', vh], check=False)
        run(['rabbitmqctl', '-q', 'add_vhost', vh])
        run(['rabbitmqctl', '-q', 'set_permissions', '-p', vh, 'guest',
             '.*', '.*', '.*'])


def drop_vhosts():
    for site in layout.SITES:
        run(['rabbitmqctl', '-q', 'delete_vhost', layout.vhost(site)],
            check=False)


def queues(site):
    r = run(['rabbitmqctl', '-q', 'list_queues', '-p', layout.vhost(site),
             'name'], check=False)
    return set(r.stdout.split()) if r.returncode == 0 else set()


def venv_ok(state, name):
    return os.path.exists(os.path.join(state.venv(name), '.testcloud-ok'))


def install_venv(state, name):
    """Create venvs/<name> with its packages pinned by constraints.txt."""
    path = state.venv(name)
    if venv_ok(state, name):
        return False
    shutil.rmtree(path, ignore_errors=True)
    log = os.path.join(state.log, 'pip-%s.log' % name)
    run(['python3', '-m', 'venv', path], log=log)
    # --no-compile: byte-compiling every module (tests included) costs more
    # than compiling, at first import, the few that services load.
    run([os.path.join(path, 'bin', 'pip'), 'install', '-q', '--no-compile',
         '--disable-pip-version-check', '-c', layout.CONSTRAINTS]
        + VENVS[name], log=log)
    with open(os.path.join(path, '.testcloud-ok'), 'w') as f:
        f.write(time.strftime('%Y-%m-%dT%H:%M:%S\n'))
    return True
