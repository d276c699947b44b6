"""The devstack plugin (devstack/settings, devstack/plugin.sh), run here
without devstack.

Each of stack.sh, unstack.sh and clean.sh is played by a bash process
that, as devstack does, defines devstack's functions, sources
``devstack/settings`` and then ``devstack/plugin.sh <mode> [phase]`` for
each of its phases. Every devstack function the plugin may call is a
recorder with devstack's name and argument order (``DEVSTACK_FUNCTIONS``
says which devstack file defines it); those whose effect the checks need
do what devstack's do on files: ``iniset`` really writes the INI file,
``configure_keystone_authtoken_middleware`` and ``setup_logging`` write
the options lib/keystone's and functions' versions write,
``write_uwsgi_config`` writes the uWSGI file and the web server's site
file. Any other command that does not exist is caught by bash's
``command_not_found_handle`` and fails the test, in a subshell too.

DEST, /etc/drs, the web server's site directory and Horizon are
directories of a temporary root; ``sudo`` runs its command unprivileged.
The database is SQLite: ``drs-manage db sync`` of the extra phase really
runs against it, and the drs.conf written is loaded through drs's own
configuration code in another process.
"""

import configparser
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import urllib.parse

import pytest

TOP = pathlib.Path(__file__).resolve().parents[4]
PLUGIN_DIR = TOP / 'devstack'

# Every devstack function the plugin may call, with the devstack file
# that defines it (devstack master).
DEVSTACK_FUNCTIONS = {
    'apache_site_config_for': 'lib/apache',
    'configure_keystone_authtoken_middleware': 'lib/keystone',
    'create_service_user': 'lib/keystone',
    'database_connection_url': 'lib/database',
    'define_plugin': 'functions-common',
    'die': 'functions-common',
    'echo_summary': 'functions (stack.sh replaces it)',
    'function_exists': 'functions',
    'enable_service': 'functions-common',
    'get_or_create_endpoint': 'functions-common',
    'get_or_create_service': 'functions-common',
    'get_python_exec_prefix': 'inc/python',
    'get_transport_url': 'lib/rpc_backend',
    'inidelete': 'inc/ini-config',
    'iniset': 'inc/ini-config',
    'is_keystone_enabled': 'lib/keystone',
    'is_service_enabled': 'functions-common',
    'plugin_requires': 'functions-common',
    'recreate_database': 'lib/database',
    'remove_uwsgi_config': 'lib/apache',
    'run_process': 'functions-common',
    'setup_develop': 'inc/python',
    'setup_logging': 'functions',
    'stop_process': 'functions-common',
    'wait_for_service': 'functions',
    'warn': 'functions-common',
    'write_uwsgi_config': 'lib/apache',
}
# Called only where devstack defines them (function_exists).
OPTIONAL_FUNCTIONS = {
    'configure_keystoneauth': 'lib/keystone (devstack versions that have '
                              'it; configure_keystoneauth FILE USER '
                              'SECTION)',
}
# System commands stood in for: not devstack's, they touch the machine.
SYSTEM_STANDINS = {'sudo': 'runs its command without privileges'}

PHASES = ('pre-install', 'install', 'post-config', 'extra', 'test-config')

# What the recorders do besides recording, as devstack's functions do.
_EFFECTS = r'''
_ds_ini_edit() {
    # _ds_ini_edit set|delete FILE SECTION OPTION [VALUE]: what devstack's
    # iniset and inidelete do to an INI file (a missing file is created,
    # in an existing directory only).
    local action=$1 file=$2 section=$3 option=$4 value=$5
    local lines=() out=() line here=0 seen=0 done=0
    [[ -f "$file" ]] && mapfile -t lines <"$file"
    for line in "${lines[@]}"; do
        if [[ "$line" =~ ^\[(.*)\][[:space:]]*$ ]]; then
            if ((here && !done)) && [[ $action == set ]]; then
                out+=("$option = $value")
                done=1
            fi
            here=0
            if [[ "${BASH_REMATCH[1]}" == "$section" ]]; then
                here=1
                seen=1
            fi
        elif ((here)) && [[ "$line" =~ ^"$option"[[:space:]]*= ]]; then
            if [[ $action == set ]] && ((!done)); then
                out+=("$option = $value")
                done=1
            fi
            continue
        fi
        out+=("$line")
    done
    if [[ $action == set ]] && ((!done)); then
        ((seen)) || out+=("" "[$section]")
        out+=("$option = $value")
    fi
    printf '%s\n' "${out[@]}" >"$file"
}
_ds_impl_iniset() {
    [[ "$1" == "-sudo" ]] && shift
    [[ -z "$2" || -z "$3" ]] && return 0
    # devstack's iniset passes the value through an unquoted echo.
    local value
    # shellcheck disable=SC2086
    value=$(echo $4)
    _ds_ini_edit set "$1" "$2" "$3" "$value"
}
_ds_impl_inidelete() {
    [[ "$1" == "-sudo" ]] && shift
    [[ -z "$2" || -z "$3" ]] && return 0
    [[ -f "$1" ]] || return 0
    _ds_ini_edit delete "$1" "$2" "$3"
}
_ds_impl_is_service_enabled() {
    local service
    for service in "$@"; do
        [[ ,${ENABLED_SERVICES}, =~ ,${service}, ]] && return 0
        if type "is_${service}_enabled" >/dev/null 2>&1; then
            "is_${service}_enabled" && return 0
        fi
    done
    return 1
}
_ds_impl_function_exists() { declare -f -F "$1" >/dev/null; }
_ds_impl_configure_keystoneauth() {
    local conf=$1 user=$2 section=$3
    _ds_impl_iniset "$conf" "$section" auth_type password
    _ds_impl_iniset "$conf" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    _ds_impl_iniset "$conf" "$section" username "$user"
    _ds_impl_iniset "$conf" "$section" password "$SERVICE_PASSWORD"
    _ds_impl_iniset "$conf" "$section" user_domain_name \
        "$SERVICE_DOMAIN_NAME"
    _ds_impl_iniset "$conf" "$section" project_name "$SERVICE_PROJECT_NAME"
    _ds_impl_iniset "$conf" "$section" project_domain_name \
        "$SERVICE_DOMAIN_NAME"
    _ds_impl_iniset "$conf" "$section" cafile "$SSL_BUNDLE_FILE"
}
_ds_impl_is_keystone_enabled() {
    [[ ,${ENABLED_SERVICES}, =~ ,key, ]]
}
_ds_impl_enable_service() {
    local service
    for service in "$@"; do
        [[ ,${DISABLED_SERVICES}, =~ ,${service}, ]] && continue
        [[ ,${ENABLED_SERVICES}, =~ ,${service}, ]] ||
            ENABLED_SERVICES+=",$service"
    done
    ENABLED_SERVICES=${ENABLED_SERVICES#,}
}
_ds_impl_die() {
    local line=$1
    shift
    echo "[ERROR] plugin.sh:$line $*" >&2
    exit 1
}
_ds_impl_warn() { echo "[WARNING] $*"; }
_ds_impl_echo_summary() { echo "$@"; }
_ds_impl_get_python_exec_prefix() { echo "$DS_PYTHON_BIN"; }
_ds_impl_get_transport_url() {
    if _ds_impl_is_service_enabled rabbit ||
            [[ -n "$RABBIT_HOST" && -n "$RABBIT_PASSWORD" ]]; then
        echo "rabbit://$RABBIT_USERID:$RABBIT_PASSWORD@$RABBIT_HOST:5672/$1"
    fi
}
_ds_impl_database_connection_url() {
    echo "sqlite:///$DS_DB_DIR/$1.sqlite"
}
_ds_impl_recreate_database() { rm -f "$DS_DB_DIR/$1.sqlite"; }
_ds_impl_apache_site_config_for() { echo "$APACHE_CONF_DIR/$1.conf"; }
_ds_impl_setup_logging() {
    local head="%(color)s%(levelname)s %(name)s"
    local tail="%(instance)s%(color)s%(message)s"
    local ids="%(global_request_id)s %(request_id)s"
    ids+=" %(project_name)s %(user_name)s%(color)s"
    _ds_impl_iniset "$1" DEFAULT logging_debug_format_suffix \
        "{{(pid=%(process)d) %(funcName)s %(pathname)s:%(lineno)d}}"
    _ds_impl_iniset "$1" DEFAULT logging_context_format_string \
        "$head [$ids] $tail"
    _ds_impl_iniset "$1" DEFAULT logging_default_format_string \
        "$head [-%(color)s] $tail"
    _ds_impl_iniset "$1" DEFAULT logging_exception_prefix \
        "ERROR %(name)s %(instance)s"
}
_ds_impl_configure_keystone_authtoken_middleware() {
    local conf=$1 user=$2 section=${3:-keystone_authtoken}
    _ds_impl_iniset "$conf" "$section" auth_type password
    _ds_impl_iniset "$conf" "$section" interface public
    _ds_impl_iniset "$conf" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    _ds_impl_iniset "$conf" "$section" username "$user"
    _ds_impl_iniset "$conf" "$section" password "$SERVICE_PASSWORD"
    _ds_impl_iniset "$conf" "$section" user_domain_name \
        "$SERVICE_DOMAIN_NAME"
    _ds_impl_iniset "$conf" "$section" project_name "$SERVICE_PROJECT_NAME"
    _ds_impl_iniset "$conf" "$section" project_domain_name \
        "$SERVICE_DOMAIN_NAME"
    _ds_impl_iniset "$conf" "$section" cafile "$SSL_BUNDLE_FILE"
    _ds_impl_iniset "$conf" "$section" memcached_servers "$MEMCACHE_SERVERS"
}
_ds_impl_write_uwsgi_config() {
    local conf=$1 wsgi=$2 url=$3 http=$4 name=$5
    local socket=/var/run/uwsgi/$name.socket
    rm -rf "$conf"
    _ds_impl_iniset "$conf" uwsgi module "$wsgi"
    _ds_impl_iniset "$conf" uwsgi processes "$API_WORKERS"
    _ds_impl_iniset "$conf" uwsgi master true
    if [[ -n "$http" ]]; then
        _ds_impl_iniset "$conf" uwsgi http "$http"
    else
        _ds_impl_iniset "$conf" uwsgi socket "$socket"
        echo "ProxyPass \"$url\" \"unix:$socket|uwsgi://uwsgi-uds-$name\"" \
            >>"$(_ds_impl_apache_site_config_for "$name")"
    fi
}
_ds_impl_remove_uwsgi_config() { rm -rf "$1"; }
_ds_impl_get_or_create_service() { echo "service-id-of-$2"; }
_ds_impl_get_or_create_endpoint() { echo "endpoint-id-of-$1"; }
_ds_impl_sudo() { "$@"; }
'''

# Loads the drs.conf written through drs's own configuration code.
_LOAD_CONF = '''\
import json
import sys

from keystoneauth1 import loading
from keystonemiddleware import auth_token  # noqa: F401 (its options)
from oslo_config import cfg
import oslo_messaging

from drs.api import trusts
from drs.common import identity
from drs.common import service

service.prepare_service(['--config-file', sys.argv[1]])
CONF = cfg.CONF


def v3(auth):
    """The Identity v3 plugin keystoneauth makes of a generic one."""
    return auth.create_plugin(None, (3, 0), auth.auth_url)


own = v3(identity.service_session().auth)
trusted = v3(identity.trust_session({'auth_url': None}, 'a-trust-id').auth)
authtoken = loading.load_auth_from_conf_options(CONF, 'keystone_authtoken')
transport = oslo_messaging.TransportURL.parse(CONF)
print(json.dumps({
    'config_files': CONF.config_file,
    'trusts_enabled': trusts.enabled(),
    'own': {'plugin': type(own).__name__, 'auth_url': own.auth_url,
            'username': own.auth_methods[0].username,
            'user_domain_name': own.auth_methods[0].user_domain_name,
            'project_name': own.project_name,
            'project_domain_name': own.project_domain_name},
    'trusted': {'username': trusted.auth_methods[0].username,
                'trust_id': trusted.trust_id,
                'project_name': trusted.project_name},
    'authtoken': {'plugin': type(authtoken).__name__,
                  'auth_url': authtoken.auth_url},
    'connection': CONF.database.connection,
    'transport': [transport.transport, transport.hosts[0].hostname,
                  transport.hosts[0].port],
    'public_endpoint': CONF.api.public_endpoint,
    'workers': CONF.engine.workers,
}))
'''


# drs-api as uWSGI loads it: drs.wsgi.api with the file of its uWSGI env.
_SERVE_API = '''\
import json
import os
import sys

import webtest

os.environ['OS_DRS_CONFIG_FILES'] = sys.argv[1]
from drs.wsgi import api  # noqa: E402

app = webtest.TestApp(api.application)
answers = {}
for path in ('/', '/healthcheck'):
    response = app.get(path, expect_errors=True)
    answers[path] = {'status': response.status_int,
                     'body': response.text}
print(json.dumps(answers))
'''


def _harness(optional=()) -> str:
    lines = [
        '_ds_record() {',
        '    local IFS=$\'\\t\'',
        '    printf "%s\\n" "$*" >>"$DS_CALLS"',
        '}',
        'command_not_found_handle() {',
        '    printf "UNDEFINED\\t%s\\n" "$1" >>"$DS_CALLS"',
        '    echo "devstack test: $1: command not found" >&2',
        '    return 127',
        '}',
        _EFFECTS,
    ]
    names = sorted(DEVSTACK_FUNCTIONS) + sorted(optional) + sorted(
        SYSTEM_STANDINS)
    for name in names:
        lines.append(
            'function %(n)s {\n'
            '    _ds_record %(n)s "$@"\n'
            '    if type -t _ds_impl_%(n)s >/dev/null; then\n'
            '        _ds_impl_%(n)s "$@"\n'
            '    fi\n'
            '}' % {'n': name})
    return '\n'.join(lines) + '\n'


class Devstack:
    """A pretend devstack host in a temporary directory."""

    def __init__(self, tmp: pathlib.Path, services: str,
                 with_dashboard_files: bool = True, optional=()):
        self.tmp = tmp
        self.root = tmp / 'root'          # what the plugin may change
        self.dest = self.root / 'opt' / 'stack'
        self.drs_dir = self.dest / 'drs'
        self.conf_dir = self.root / 'etc' / 'drs'
        self.sites = self.root / 'etc' / 'apache2' / 'sites-available'
        self.horizon = self.dest / 'horizon'
        self.enabled = self.horizon / 'openstack_dashboard' / 'local' / \
            'enabled'
        self.db_dir = tmp / 'db'          # the database server's
        self.calls_file = tmp / 'calls.tsv'
        self.tempest_conf = self.dest / 'tempest' / 'etc' / 'tempest.conf'
        for d in (self.drs_dir, self.sites, self.enabled, self.db_dir,
                  self.tempest_conf.parent):
            d.mkdir(parents=True, exist_ok=True)
        # What Horizon ships: must survive drs's clean.
        (self.enabled / '_1000_project.py').write_text('# horizon\n')
        if with_dashboard_files:
            dash = self.drs_dir / 'drs_dashboard' / 'enabled'
            dash.mkdir(parents=True)
            for name in ('__init__.py', '_9010_dr_project_group.py',
                         '_9020_dr_plans_panel.py', '_80_not_ours.py'):
                (dash / name).write_text('# %s\n' % name)
        bin_dir = tmp / 'bin'
        bin_dir.mkdir()
        uwsgi = bin_dir / 'uwsgi'
        uwsgi.write_text('#!/bin/sh\nexit 1\n')
        uwsgi.chmod(0o755)
        assert set(optional) <= set(OPTIONAL_FUNCTIONS)
        (tmp / 'harness.sh').write_text(_harness(optional))
        self.env = {
            'PATH': '%s:%s' % (bin_dir, os.environ.get('PATH', '')),
            'HOME': str(tmp),
            'DS_CALLS': str(self.calls_file),
            'DS_PYTHON_BIN': os.path.dirname(sys.executable),
            'DS_DB_DIR': str(self.db_dir),
            # devstack's globals (stackrc, lib/*) the plugin reads
            'DEST': str(self.dest),
            'DATA_DIR': str(self.dest / 'data'),
            'STACK_USER': subprocess.run(
                ['id', '-un'], capture_output=True, text=True,
                check=True).stdout.strip(),
            'ENABLED_SERVICES': services,
            'SERVICE_HOST': '192.0.2.10',
            'SERVICE_PROTOCOL': 'http',
            'SERVICE_TIMEOUT': '60',
            'SERVICE_PASSWORD': 'service-secret',
            'SERVICE_DOMAIN_NAME': 'Default',
            'SERVICE_PROJECT_NAME': 'service',
            'KEYSTONE_SERVICE_URI': 'http://192.0.2.10/identity',
            'REGION_NAME': 'RegionOne',
            'ENABLE_DEBUG_LOG_LEVEL': 'True',
            'RABBIT_USERID': 'stackrabbit',
            'RABBIT_PASSWORD': 'rabbit-secret',
            'RABBIT_HOST': '192.0.2.10',
            'SSL_BUNDLE_FILE': str(self.dest / 'data' / 'ca-bundle.pem'),
            'MEMCACHE_SERVERS': 'localhost:11211',
            'API_WORKERS': '2',
            'APACHE_CONF_DIR': str(self.sites),
            'HORIZON_DIR': str(self.horizon),
            'TEMPEST_CONFIG': str(self.tempest_conf),
            # local.conf's redirection of /etc/drs
            'DRS_CONF_DIR': str(self.conf_dir),
        }

    @property
    def conf(self) -> pathlib.Path:
        return self.conf_dir / 'drs.conf'

    def run(self, mode: str, phases=(None,), check: bool = True,
            **env: str) -> subprocess.CompletedProcess:
        """Play stack.sh, unstack.sh or clean.sh for the plugin."""
        script = ['set -o errexit',
                  'source %s' % shlex.quote(str(self.tmp / 'harness.sh')),
                  'source %s' % shlex.quote(str(PLUGIN_DIR / 'settings'))]
        for phase in phases:
            script.append('source %s %s %s' % (
                shlex.quote(str(PLUGIN_DIR / 'plugin.sh')), mode,
                phase or ''))
        result = subprocess.run(
            ['bash', '-c', '\n'.join(script)], env={**self.env, **env},
            cwd=self.tmp, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, result.stderr[-4000:]
        return result

    def stack(self, **kw):
        return self.run('stack', PHASES, **kw)

    def calls(self) -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        return [line.split('\t')
                for line in self.calls_file.read_text().splitlines()]

    def called(self, name: str) -> list[list[str]]:
        return [c[1:] for c in self.calls() if c[0] == name]

    def files(self) -> set[str]:
        return {str(p.relative_to(self.root))
                for p in self.root.rglob('*')}

    def ini(self, path: pathlib.Path) -> configparser.RawConfigParser:
        parser = configparser.RawConfigParser(
            default_section='\x00', interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        assert parser.read(path), path
        return parser


ALL = 'key,mysql,rabbit,horizon,tempest,drs-dashboard'


class Cycle:
    """stack.sh, unstack.sh then clean.sh, with what each left."""

    def __init__(self, ds: Devstack):
        self.ds = ds
        self.before = ds.files()
        self.stack_result = ds.stack()
        self.stacked = ds.files()
        # What stack made, kept for the checks: unstack and clean remove it.
        self.copy = ds.tmp / 'stacked'
        shutil.copytree(ds.root, self.copy, symlinks=True)
        ds.run('unstack')
        self.unstacked = ds.files()
        ds.run('clean')
        self.cleaned = ds.files()

    def stacked_file(self, path: pathlib.Path) -> pathlib.Path:
        """Where a file of the root was once stack had run."""
        return self.copy / path.relative_to(self.ds.root)


@pytest.fixture(scope='module')
def cycle(tmp_path_factory) -> Cycle:
    return Cycle(Devstack(tmp_path_factory.mktemp('devstack'), ALL))


def test_only_devstack_functions_are_called(cycle):
    ds = cycle.ds
    calls = ds.calls()
    undefined = sorted({c[1] for c in calls if c[0] == 'UNDEFINED'})
    assert not undefined, 'not defined by devstack: %s' % undefined
    names = {c[0] for c in calls}
    assert names <= set(DEVSTACK_FUNCTIONS) | set(SYSTEM_STANDINS)
    # The settings introduce the plugin by name and enable its services.
    assert ['drs'] in ds.called('define_plugin')
    assert ['drs-api', 'drs-engine'] in ds.called('enable_service')


def test_the_endpoint_is_a_url_with_a_scheme(cycle):
    ds = cycle.ds
    services = ds.called('get_or_create_service')
    assert services == [['drs', 'dr', 'Disaster Recovery Service']]
    [endpoint] = ds.called('get_or_create_endpoint')
    service_type, region, url = endpoint[:3]
    assert (service_type, region) == ('dr', 'RegionOne')
    parsed = urllib.parse.urlsplit(url)
    assert parsed.scheme == 'http', url
    assert parsed.netloc == '192.0.2.10' and parsed.path == '/dr', url
    assert ds.called('create_service_user') == [['drs', 'admin']]
    # Links in responses use the same URL.
    conf = ds.ini(cycle.stacked_file(ds.conf))
    assert conf['api']['public_endpoint'] == url


def test_the_endpoint_follows_service_protocol(tmp_path):
    ds = Devstack(tmp_path, 'key,rabbit')
    ds.run('stack', ('post-config',), SERVICE_PROTOCOL='https')
    [endpoint] = ds.called('get_or_create_endpoint')
    assert endpoint[2] == 'https://192.0.2.10/dr'


def test_drs_conf_has_what_drs_needs(cycle):
    ds = cycle.ds
    conf = ds.ini(cycle.stacked_file(ds.conf))
    assert conf['database']['connection'] == 'sqlite:///%s/drs.sqlite' % (
        ds.db_dir)
    assert conf['DEFAULT']['transport_url'] == (
        'rabbit://stackrabbit:rabbit-secret@192.0.2.10:5672/')
    for section in ('keystone_authtoken', 'service_auth'):
        assert conf[section]['auth_type'] == 'password'
        assert conf[section]['auth_url'] == 'http://192.0.2.10/identity'
        assert conf[section]['username'] == 'drs'
        assert conf[section]['password'] == 'service-secret'
        assert conf[section]['project_name'] == 'service'
    # No tls-proxy: no CA bundle, so drs verifies with the system's CAs
    # (the other site's Keystone is not devstack's).
    assert not conf.has_option('service_auth', 'cafile')
    assert conf['engine']['workers'] == '1'
    # Under uWSGI the API's own port means nothing.
    assert not conf.has_option('api', 'port')
    assert not conf.has_option('engine', 'jobboard_backend_url')


def test_drs_loads_the_conf_and_can_create_trusts(cycle):
    ds = cycle.ds
    conf = cycle.stacked_file(ds.conf)
    result = subprocess.run(
        [sys.executable, '-c', _LOAD_CONF, str(conf)],
        capture_output=True, text=True, timeout=120, cwd=ds.tmp,
        env={**os.environ, 'HOME': str(ds.tmp)})
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded['config_files'] == [str(conf)]
    # Plans get a Keystone trust to drs's own user...
    assert loaded['trusts_enabled'] is True
    assert loaded['own'] == {
        'plugin': 'Password', 'auth_url': 'http://192.0.2.10/identity',
        'username': 'drs', 'user_domain_name': 'Default',
        'project_name': 'service', 'project_domain_name': 'Default'}
    # ... which drs redeems for trust-scoped tokens.
    assert loaded['trusted'] == {'username': 'drs',
                                 'trust_id': 'a-trust-id',
                                 'project_name': None}
    assert loaded['authtoken'] == {
        'plugin': 'Password', 'auth_url': 'http://192.0.2.10/identity'}
    assert loaded['transport'] == ['rabbit', '192.0.2.10', 5672]
    assert loaded['workers'] == 1


def test_the_api_starts_from_the_conf(cycle):
    ds = cycle.ds
    uwsgi = ds.ini(cycle.stacked_file(
        ds.conf_dir / 'drs-api-uwsgi.ini'))['uwsgi']
    name, _, conf = uwsgi['env'].partition('=')
    assert name == 'OS_DRS_CONFIG_FILES' and conf == str(ds.conf)
    result = subprocess.run(
        [sys.executable, '-c', _SERVE_API,
         str(cycle.stacked_file(pathlib.Path(conf)))],
        capture_output=True, text=True, timeout=120, cwd=ds.tmp,
        env={**os.environ, 'HOME': str(ds.tmp)})
    assert result.returncode == 0, result.stdout + result.stderr
    answers = json.loads(result.stdout.splitlines()[-1])
    assert answers['/healthcheck']['status'] == 200
    # What wait_for_service asks for: the version document, whose links
    # are under the catalog URL.
    root = answers['/']
    assert root['status'] == 200, root
    [version] = json.loads(root['body'])['versions']
    assert version['links'][0]['href'] == 'http://192.0.2.10/dr/v1'


def test_extra_syncs_the_database_and_starts_the_services(cycle):
    ds, result = cycle.ds, cycle.stack_result
    assert ds.called('recreate_database') == [['drs']]
    # drs-manage db sync really ran on the database of drs.conf.
    assert (ds.db_dir / 'drs.sqlite').stat().st_size > 0
    assert 'Database schema is at' in result.stdout
    runs = {args[0]: args[1:] for args in ds.called('run_process')}
    assert set(runs) == {'drs-api', 'drs-engine'}
    for name, args in runs.items():
        command = shlex.split(args[0])
        # systemd needs an absolute path (devstack refuses others) ...
        assert os.path.isabs(command[0]) and os.access(command[0], os.X_OK)
        # ... and no environment: it would replace the unit's PATH.
        assert not any(args[1:]), (name, args)
    api = shlex.split(runs['drs-api'][0])
    assert api[api.index('--ini') + 1] == str(ds.conf_dir /
                                              'drs-api-uwsgi.ini')
    engine = shlex.split(runs['drs-engine'][0])
    assert engine[0].endswith('/drs-engine')
    assert engine[engine.index('--config-file') + 1] == str(ds.conf)
    [wait] = ds.called('wait_for_service')
    assert wait == ['60', 'http://192.0.2.10/dr']
    uwsgi = ds.ini(cycle.stacked_file(
        ds.conf_dir / 'drs-api-uwsgi.ini'))['uwsgi']
    assert uwsgi['module'] == 'drs.wsgi.api:application'
    assert uwsgi['env'] == 'OS_DRS_CONFIG_FILES=%s' % ds.conf
    site = cycle.stacked_file(ds.sites / 'drs-api.conf').read_text()
    assert 'ProxyPass "/dr" ' in site


def test_dashboard_files_are_copied_by_glob(cycle):
    enabled = cycle.stacked_file(cycle.ds.enabled)
    assert sorted(p.name for p in enabled.iterdir()) == [
        '_1000_project.py', '_9010_dr_project_group.py',
        '_9020_dr_plans_panel.py']


def test_tempest_is_told(cycle):
    tempest = cycle.ds.ini(cycle.stacked_file(cycle.ds.tempest_conf))
    assert tempest['service_available']['drs'] == 'True'


def test_clean_removes_what_stack_made(cycle):
    ds = cycle.ds
    made = cycle.stacked - cycle.before
    assert {'etc/drs/drs.conf', 'etc/drs/drs-api-uwsgi.ini',
            'etc/apache2/sites-available/drs-api.conf',
            'opt/stack/horizon/openstack_dashboard/local/enabled/'
            '_9010_dr_project_group.py'} <= made
    # unstack stops the services and leaves the files...
    assert [c[0] for c in ds.called('stop_process')] == [
        'drs-engine', 'drs-api']
    assert cycle.unstacked == cycle.stacked
    # ... clean removes them; tempest.conf is tempest's to remove.
    left = cycle.cleaned - cycle.before - {
        'opt/stack/tempest/etc/tempest.conf'}
    assert not left, sorted(left)
    assert cycle.before <= cycle.cleaned


def test_accounts_need_keystone(tmp_path):
    ds = Devstack(tmp_path, 'rabbit')
    ds.run('stack', ('post-config',))
    for name in ('create_service_user', 'get_or_create_service',
                 'get_or_create_endpoint'):
        assert not ds.called(name), name
    # drs.conf is complete all the same (Keystone runs elsewhere).
    assert ds.ini(ds.conf).has_section('service_auth')


def test_no_broker_is_a_clear_failure(tmp_path):
    ds = Devstack(tmp_path, 'key')
    result = ds.run('stack', ('post-config',), check=False, RABBIT_HOST='')
    assert result.returncode != 0
    assert 'need a message broker' in result.stderr


def test_nothing_runs_when_drs_is_disabled(tmp_path):
    # local.conf's disable_service wins over the settings' enable_service.
    ds = Devstack(tmp_path, 'key,rabbit')
    ds.stack(DISABLED_SERVICES='drs-api,drs-engine')
    ds.run('unstack', DISABLED_SERVICES='drs-api,drs-engine')
    ds.run('clean', DISABLED_SERVICES='drs-api,drs-engine')
    acted = {c[0] for c in ds.calls()} - {
        'define_plugin', 'enable_service', 'is_service_enabled',
        'is_keystone_enabled', 'get_python_exec_prefix'}
    assert not acted, acted
    assert not ds.conf_dir.exists()


def test_dashboard_without_enabled_files_warns(tmp_path):
    ds = Devstack(tmp_path, 'key,rabbit,horizon,drs-dashboard',
                  with_dashboard_files=False)
    result = ds.run('stack', ('install',))
    assert ds.called('setup_develop') == [[str(ds.drs_dir)]]
    [warning] = ds.called('warn')
    assert 'no enabled files' in warning[1]
    assert '[WARNING]' in result.stdout
    assert sorted(p.name for p in ds.enabled.iterdir()) == [
        '_1000_project.py']
    ds.run('clean')
    assert (ds.enabled / '_1000_project.py').exists()


def test_clean_removes_the_dashboard_files_once_disabled(tmp_path):
    ds = Devstack(tmp_path, 'key,rabbit,horizon,drs-dashboard')
    ds.run('stack', ('install',))
    assert (ds.enabled / '_9020_dr_plans_panel.py').exists()
    ds.run('clean', ENABLED_SERVICES='key,rabbit,horizon')
    assert sorted(p.name for p in ds.enabled.iterdir()) == [
        '_1000_project.py']


def test_service_auth_keeps_devstack_ca_bundle_with_tls(tmp_path):
    ds = Devstack(tmp_path, 'key,rabbit,tls-proxy')
    bundle = tmp_path / 'ca-bundle.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    ds.run('stack', ('post-config',), SSL_BUNDLE_FILE=str(bundle),
           SERVICE_PROTOCOL='https')
    conf = ds.ini(ds.conf)
    assert conf['service_auth']['cafile'] == str(bundle)
    assert conf['keystone_authtoken']['cafile'] == str(bundle)


def test_service_auth_uses_devstack_keystoneauth_helper_if_any(tmp_path):
    ds = Devstack(tmp_path, 'key,rabbit',
                  optional=('configure_keystoneauth',))
    ds.run('stack', ('post-config',))
    assert ds.called('configure_keystoneauth') == [
        [str(ds.conf), 'drs', 'service_auth']]
    # The auth_token helper is left to [keystone_authtoken].
    assert ds.called('configure_keystone_authtoken_middleware') == [
        [str(ds.conf), 'drs']]
    conf = ds.ini(ds.conf)
    assert conf['service_auth']['auth_type'] == 'password'
    assert conf['service_auth']['username'] == 'drs'
    assert not conf.has_option('service_auth', 'cafile')


def test_an_engine_only_node_configures_no_api(tmp_path):
    ds = Devstack(tmp_path, 'key,rabbit')
    ds.run('stack', ('post-config',), DISABLED_SERVICES='drs-api')
    assert ds.called('create_service_user') == [['drs', 'admin']]
    for name in ('write_uwsgi_config', 'get_or_create_service',
                 'get_or_create_endpoint'):
        assert not ds.called(name), name
    assert sorted(p.name for p in ds.conf_dir.iterdir()) == ['drs.conf']
    assert not any(ds.sites.iterdir())
