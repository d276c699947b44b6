"""Configuration files of every service, written under <state>/etc.

Rewritten on every ``up`` (cheap and deterministic); a running service only
picks changes up after ``down`` + ``up``.
"""
import os
import shutil
import subprocess
import textwrap

from . import layout as L


def _write(path, text):
    """Write an INI file; leading whitespace of every line is dropped (in
    INI it would continue the previous value), so templates may be indented
    and interpolated sections need not be."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(line.strip() for line in text.strip().splitlines())
                + '\n')


def _password_auth(section, user, site, extra=''):
    """A keystoneauth password-plugin section for a service user."""
    return textwrap.dedent('''
        [{section}]
        auth_type = password
        auth_url = {ks}
        username = {user}
        password = {pw}
        project_name = {proj}
        user_domain_name = Default
        project_domain_name = Default
        region_name = {region}
        ''').format(section=section, ks=L.KEYSTONE_URL, user=user,
                    pw=L.service_password(user), proj=L.SERVICE_PROJECT,
                    region=L.SITES[site]['region']) + extra


def _authtoken(user, site):
    # service_token_roles_required: a service token must carry the 'service'
    # role (Nova's detach relies on it, see [service_user] below).
    return _password_auth('keystone_authtoken', user, site, textwrap.dedent(
        '''\
        www_authenticate_uri = {ks}
        service_token_roles_required = True
        ''').format(ks=L.KEYSTONE_URL))


def etc(state, *parts):
    return os.path.join(state.etc, *parts)


def site_etc(state, site, *parts):
    return os.path.join(state.etc, 'site-%s' % site, *parts)


# ------------------------------------------------------------------ Keystone
def keystone(state):
    d = etc(state, 'keystone')
    _write(os.path.join(d, 'keystone.conf'), '''
        [DEFAULT]
        use_stderr = True
        [database]
        connection = {db}
        [identity]
        # bcrypt cost 4 instead of 12: user create / token issue ~30x faster
        password_hash_rounds = 4
        [token]
        provider = fernet
        [fernet_tokens]
        key_repository = {d}/fernet-keys/
        [fernet_receipts]
        key_repository = {d}/fernet-keys/
        [credential]
        key_repository = {d}/credential-keys/
        [cache]
        # in-process cache: token validation without it costs ~0.5 s
        enabled = True
        backend = dogpile.cache.memory
        '''.format(db=L.db_url('keystone'), d=d))


# ------------------------------------------------------------------ Cinder
def cinder(state, site):
    d = site_etc(state, site, 'cinder')
    peer = L.SITES[site]['peer']
    os.makedirs(d, exist_ok=True)
    src = state.path('venvs', L.VENV, 'etc', 'cinder')
    for name in ('api-paste.ini', 'resource_filters.json'):
        shutil.copy(os.path.join(src, name), os.path.join(d, name))
    for p in (state.pool(site), state.site_dir(site, 'cinder', 'state'),
              state.site_dir(site, 'lock')):
        os.makedirs(p, exist_ok=True)
    _write(os.path.join(d, 'cinder.conf'), '''
        [DEFAULT]
        host = site-{site}-storage
        my_ip = 127.0.0.1
        use_stderr = True
        state_path = {state_dir}
        api_paste_config = {d}/api-paste.ini
        resource_query_filters_file = {d}/resource_filters.json
        transport_url = {turl}
        auth_strategy = keystone
        enabled_backends = file
        default_volume_type = standard
        report_interval = 5
        periodic_interval = 10
        # the scheduler must see the backend soon after start
        backend_stats_polling_interval = 10
        glance_api_servers = {glance}
        quota_volumes = 1000
        quota_snapshots = 1000
        quota_gigabytes = 10000
        quota_groups = 100
        [database]
        connection = {db}
        [oslo_concurrency]
        lock_path = {lock}
        [coordination]
        backend_url = file://{lock}
        [oslo_messaging_notifications]
        driver = noop
        {authtoken}
        {nova}
        {service_user}
        [file]
        volume_backend_name = file
        volume_driver = testcloud_cinder.FileReplicationDriver
        testcloud_site = {site}
        testcloud_pool_dir = {pool}
        testcloud_peer_site = {peer}
        testcloud_peer_pool_dir = {peer_pool}
        testcloud_replication_interval = {interval}
        replication_device = backend_id:site-{peer}
        '''.format(
            site=site, peer=peer, d=d, turl=L.transport_url(site),
            state_dir=state.site_dir(site, 'cinder', 'state'),
            glance=L.url(site, 'glance'), db=L.db_url('cinder', site),
            lock=state.site_dir(site, 'lock'), pool=state.pool(site),
            peer_pool=state.pool(peer),
            interval=os.environ.get('DRS_TESTCLOUD_REPLICATION_INTERVAL', '5'),
            authtoken=_authtoken('cinder', site),
            nova=_password_auth('nova', 'cinder', site,
                                'interface = public\n'),
            service_user=_password_auth('service_user', 'cinder', site,
                                        'send_service_user_token = True\n')))


# ------------------------------------------------------------------ Swift
SWIFT_SERVERS = ('account', 'container', 'object')
PROXY_PIPELINE = (
    'catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'cache',
    'listing_formats', 'container_sync', 'authtoken', 'keystoneauth', 'copy',
    'symlink', 'proxy-logging', 'proxy-server')


def swift(state, site):
    d = site_etc(state, site, 'swift')
    devices = state.site_dir(site, 'swift', 'srv')
    os.makedirs(os.path.join(devices, 'd1'), exist_ok=True)
    os.makedirs(d, exist_ok=True)
    mc = '127.0.0.1:%d' % L.port(site, 'memcached')
    _write(os.path.join(d, 'swift.conf'), f'''
        [swift-hash]
        swift_hash_path_suffix = testcloud-suffix-{site}
        swift_hash_path_prefix = testcloud-prefix-{site}
        [storage-policy:0]
        name = gold
        default = yes
        ''')
    clusters = ''.join('cluster_%s = %s/v1/\n' % (L.sync_cluster(s),
                                                  L.url(s, 'swift'))
                       for s in L.SITES)
    _write(os.path.join(d, 'container-sync-realms.conf'),
           '[%s]\nkey = %s\n%s' % (L.SYNC_REALM, L.SYNC_REALM_KEY, clusters))
    common = textwrap.dedent('''\
        [DEFAULT]
        devices = {devices}
        mount_check = false
        disable_fallocate = true
        bind_ip = 127.0.0.1
        workers = 0
        user = root
        swift_dir = {d}
        log_level = INFO
        ''').format(devices=devices, d=d)
    for server in SWIFT_SERVERS:
        extra = ''
        if server == 'container':
            extra = textwrap.dedent('''\
                [container-sync]
                internal_client_conf_path = {d}/internal-client.conf
                interval = {interval}
                ''').format(d=d, interval=os.environ.get(
                    'DRS_TESTCLOUD_SYNC_INTERVAL', '5'))
        _write(os.path.join(d, '%s-server.conf' % server),
               common + textwrap.dedent('''\
                bind_port = {port}
                [pipeline:main]
                pipeline = {server}-server
                [app:{server}-server]
                use = egg:swift#{server}
                ''').format(port=L.port(site, 'swift-' + server),
                            server=server) + extra)
    # Keystone auth: authtoken validates tokens (delay_auth_decision lets
    # container-sync's signed requests through to container_sync), and
    # keystoneauth maps projects to accounts AUTH_<project_id>.
    _write(os.path.join(d, 'proxy-server.conf'), '''
        [DEFAULT]
        bind_ip = 127.0.0.1
        bind_port = {port}
        workers = 0
        user = root
        swift_dir = {d}
        log_level = INFO
        [pipeline:main]
        pipeline = {pipeline}
        [app:proxy-server]
        use = egg:swift#proxy
        account_autocreate = true
        [filter:authtoken]
        paste.filter_factory = keystonemiddleware.auth_token:filter_factory
        www_authenticate_uri = {ks}
        auth_url = {ks}
        auth_type = password
        username = swift
        password = {pw}
        project_name = {sp}
        user_domain_name = Default
        project_domain_name = Default
        region_name = {region}
        delay_auth_decision = True
        service_token_roles_required = True
        cache = swift.cache
        [filter:keystoneauth]
        use = egg:swift#keystoneauth
        reseller_prefix = AUTH_
        operator_roles = admin, member
        project_reader_roles = reader
        reseller_admin_role = ResellerAdmin
        [filter:container_sync]
        use = egg:swift#container_sync
        current = //{realm}/{cluster}
        [filter:cache]
        use = egg:swift#memcache
        memcache_servers = {mc}
        [filter:catch_errors]
        use = egg:swift#catch_errors
        [filter:gatekeeper]
        use = egg:swift#gatekeeper
        [filter:healthcheck]
        use = egg:swift#healthcheck
        [filter:proxy-logging]
        use = egg:swift#proxy_logging
        [filter:listing_formats]
        use = egg:swift#listing_formats
        [filter:copy]
        use = egg:swift#copy
        [filter:symlink]
        use = egg:swift#symlink
        '''.format(pipeline=' '.join(PROXY_PIPELINE),
                   port=L.port(site, 'swift'), d=d, ks=L.KEYSTONE_URL,
                   pw=L.service_password('swift'), sp=L.SERVICE_PROJECT,
                   region=L.SITES[site]['region'], realm=L.SYNC_REALM,
                   cluster=L.sync_cluster(site), mc=mc))
    # The container-sync daemon reads the local cluster through this.
    _write(os.path.join(d, 'internal-client.conf'), f'''
        [DEFAULT]
        swift_dir = {d}
        user = root
        [pipeline:main]
        pipeline = catch_errors proxy-logging cache symlink proxy-server
        [app:proxy-server]
        use = egg:swift#proxy
        account_autocreate = true
        [filter:cache]
        use = egg:swift#memcache
        memcache_servers = {mc}
        [filter:symlink]
        use = egg:swift#symlink
        [filter:proxy-logging]
        use = egg:swift#proxy_logging
        [filter:catch_errors]
        use = egg:swift#catch_errors
        ''')


def swift_rings(state, site):
    """One-replica rings with one device each (part power 6)."""
    d = site_etc(state, site, 'swift')
    builder = state.bin(L.VENV, 'swift-ring-builder')
    for server in SWIFT_SERVERS:
        if os.path.exists(os.path.join(d, '%s.ring.gz' % server)):
            continue
        b = os.path.join(d, '%s.builder' % server)
        for args in (['create', '6', '1', '1'],
                     ['add', 'r1z1-127.0.0.1:%d/d1' % L.port(
                         site, 'swift-' + server), '100'],
                     ['rebalance']):
            r = subprocess.run([builder, b] + args, capture_output=True,
                               text=True, cwd=d)
            # rebalance exits 1 on warnings; the ring file is what matters
            if r.returncode not in (0, 1):
                raise RuntimeError('swift-ring-builder %s: %s' % (
                    args, r.stdout + r.stderr))


# ------------------------------------------------------------------ Placement
def placement(state, site):
    _write(site_etc(state, site, 'placement', 'placement.conf'), '''
        [DEFAULT]
        use_stderr = True
        [api]
        auth_strategy = keystone
        [placement_database]
        connection = {db}
        '''.format(db=L.db_url('placement', site))
        + _authtoken('placement', site))


# ------------------------------------------------------------------ Glance
def glance(state, site):
    d = site_etc(state, site, 'glance')
    os.makedirs(d, exist_ok=True)
    shutil.copy(state.path('venvs', L.VENV, 'etc', 'glance',
                           'glance-api-paste.ini'), d)
    data = state.site_dir(site, 'glance')
    for sub in ('images', 'staging', 'tasks'):
        os.makedirs(os.path.join(data, sub), exist_ok=True)
    _write(os.path.join(d, 'glance-api.conf'), '''
        [DEFAULT]
        use_stderr = True
        enabled_backends = fs:file
        [database]
        connection = {db}
        [paste_deploy]
        flavor = keystone
        config_file = {d}/glance-api-paste.ini
        [glance_store]
        default_backend = fs
        [fs]
        filesystem_store_datadir = {data}/images
        [os_glance_staging_store]
        filesystem_store_datadir = {data}/staging
        [os_glance_tasks_store]
        filesystem_store_datadir = {data}/tasks
        [oslo_concurrency]
        lock_path = {lock}
        '''.format(db=L.db_url('glance', site), d=d, data=data,
                   lock=state.site_dir(site, 'lock'))
        + _authtoken('glance', site))


# ------------------------------------------------------------------ Neutron
def neutron(state, site):
    d = site_etc(state, site, 'neutron')
    os.makedirs(os.path.join(d, 'plugins', 'ml2'), exist_ok=True)
    shutil.copy(state.path('venvs', L.VENV, 'etc', 'neutron',
                           'api-paste.ini'), d)
    os.makedirs(state.site_dir(site, 'neutron'), exist_ok=True)
    _write(os.path.join(d, 'neutron.conf'), '''
        [DEFAULT]
        use_stderr = True
        core_plugin = ml2
        service_plugins = router
        auth_strategy = keystone
        api_paste_config = {d}/api-paste.ini
        api_workers = 1
        rpc_workers = 0
        rpc_state_report_workers = 0
        transport_url = {turl}
        # no agents, no Nova callbacks: API + ML2 database only
        dhcp_agent_notification = False
        notify_nova_on_port_status_changes = False
        notify_nova_on_port_data_changes = False
        state_path = {state_dir}
        [database]
        connection = {db}
        [oslo_concurrency]
        lock_path = {lock}
        [quotas]
        quota_network = 100
        quota_subnet = 100
        quota_port = 1000
        quota_security_group = 100
        quota_security_group_rule = 1000
        '''.format(d=d, turl=L.transport_url(site),
                   state_dir=state.site_dir(site, 'neutron'),
                   db=L.db_url('neutron', site),
                   lock=state.site_dir(site, 'lock'))
        + _authtoken('neutron', site))
    _write(os.path.join(d, 'plugins', 'ml2', 'ml2_conf.ini'), '''
        [ml2]
        type_drivers = local,flat,vlan
        tenant_network_types = local
        mechanism_drivers = testcloud_bind_all
        extension_drivers = port_security
        [ml2_type_flat]
        flat_networks = *
        [securitygroup]
        firewall_driver = noop
        ''')


# ------------------------------------------------------------------ Nova
def nova(state, site):
    d = site_etc(state, site, 'nova')
    os.makedirs(d, exist_ok=True)
    shutil.copy(state.path('venvs', L.VENV, 'etc', 'nova', 'api-paste.ini'),
                d)
    nstate = state.site_dir(site, 'nova')
    os.makedirs(os.path.join(nstate, 'instances'), exist_ok=True)
    region = L.SITES[site]['region']
    text = '''
        [DEFAULT]
        use_stderr = True
        transport_url = {turl}
        # FakeDriver capacity (1000 vCPUs, 800 GB RAM); WithoutFakeNodes keeps
        # the compute node uuid in state_path, so nova-compute can restart.
        compute_driver = fake.FakeDriverWithoutFakeNodes
        host = site-{site}-compute
        my_ip = 127.0.0.1
        state_path = {nstate}
        instances_path = {nstate}/instances
        vif_plugging_timeout = 0
        vif_plugging_is_fatal = False
        [api]
        auth_strategy = keystone
        [wsgi]
        api_paste_config = {d}/api-paste.ini
        [api_database]
        connection = {api_db}
        [database]
        connection = {cell1_db}
        [conductor]
        workers = 1
        [scheduler]
        workers = 1
        discover_hosts_in_cells_interval = 5
        [quota]
        instances = 500
        cores = 1000
        ram = 1024000
        key_pairs = 100
        [oslo_concurrency]
        lock_path = {lock}
        [oslo_messaging_notifications]
        driver = noop
        [vnc]
        enabled = False
        '''.format(turl=L.transport_url(site), site=site, nstate=nstate, d=d,
                   api_db=L.db_url('nova_api', site),
                   cell1_db=L.db_url('nova_cell1', site),
                   lock=state.site_dir(site, 'lock'))
    text += _authtoken('nova', site)
    for section in ('placement', 'neutron', 'glance'):
        text += _password_auth(section, 'nova', site,
                               'valid_interfaces = public\n')
    text += _password_auth('cinder', 'nova', site, textwrap.dedent('''\
        os_region_name = {region}
        catalog_info = volumev3::publicURL
        ''').format(region=region))
    # Detach (and delete of an attached volume) needs Nova's service token:
    # Cinder refuses a user alone to delete Nova's attachment (409).
    text += _password_auth('service_user', 'nova', site,
                           'send_service_user_token = True\n')
    _write(os.path.join(d, 'nova.conf'), text)
    _write(os.path.join(d, 'nova-api.conf'), '[DEFAULT]\n')
    # nova-compute gets nova.conf minus [database]/[api_database], as in a
    # real deployment (with them, it tries DB access at start and fails).
    out, skip = [], False
    with open(os.path.join(d, 'nova.conf')) as f:
        for line in f:
            if line.startswith('['):
                skip = line.strip() in ('[database]', '[api_database]')
            if not skip:
                out.append(line)
    with open(os.path.join(d, 'nova-compute.conf'), 'w') as f:
        f.writelines(out)


def write_all(state):
    keystone(state)
    for site in L.SITES:
        cinder(state, site)
        swift(state, site)
        placement(state, site)
        glance(state, site)
        neutron(state, site)
        nova(state, site)
