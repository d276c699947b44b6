"""API documents for the view tests, shaped as the drs API answers them
(see api-ref/source/samples)."""

import copy

SITE_A = {'id': 'aaaaaaaa-0000-4000-8000-000000000001', 'name': 'dc-east',
          'region_name': 'RegionOne', 'auth_url': 'http://ks/v3',
          'interface': 'public', 'verify_tls': True, 'description': None}
SITE_B = {'id': 'bbbbbbbb-0000-4000-8000-000000000002', 'name': 'dc-west',
          'region_name': 'RegionTwo', 'auth_url': 'http://ks/v3',
          'interface': 'public', 'verify_tls': True, 'description': None}

SERVER = '7df6a7c1-f19a-4e06-8e87-9cb01776bdff'
VOL_BOOT = 'e1c2a762-9282-4d80-a34d-3989d5d087c5'
VOL_DATA = '871d87a3-7670-4d4d-bdbc-a218ea17c547'

PLAN = {
    'id': '8f894d2c-11d5-45d2-b518-ef38460dd1bc', 'name': 'billing',
    'description': None, 'status': 'protected', 'reversed': False,
    'test_active': False, 'current_operation': None,
    'source_site': SITE_A['id'], 'target_site': SITE_B['id'],
    'rpo_seconds': 120, 'rpo_seconds_achieved': 0.9,
    'last_sync_at': '2026-11-25T22:04:00.674307Z',
    'created_at': '2026-11-25T22:03:54.514557Z',
    'mappings': {'networks': {'net-a': 'net-b'}, 'subnets': {},
                 'flavors': {'m1.tiny': 'm1.tiny'},
                 'availability_zones': {}, 'volume_types': {},
                 'security_groups': {}},
    'resources': [
        {'id': SERVER, 'type': 'OS::Nova::Server', 'tier': 2,
         'replication': {'state': 'in_sync', 'lag_seconds': 0.884,
                         'replica': {'volumes': {VOL_BOOT: {},
                                                 VOL_DATA: {}}}}},
        {'id': 'app', 'type': 'OS::Swift::Container', 'tier': 1,
         'replication': {'state': 'in_sync', 'lag_seconds': 0.0}},
    ],
}

OPERATION = {
    'id': '3cbb3e6a-7cfa-4173-8101-dd0c8b760321', 'plan_id': PLAN['id'],
    'action': 'test_failover', 'status': 'succeeded', 'error': None,
    'progress': {'current': 'finish', 'done': 7, 'total': 7},
    'created_at': '2026-11-25T22:04:00.795267Z',
    'started_at': '2026-11-25T22:04:00.882716Z',
    'finished_at': '2026-11-25T22:04:06.029182Z',
}

EVENTS = [
    {'at': '2026-11-25T22:04:00.904319Z', 'step': 'cutoff',
     'resource': None, 'state': 'started', 'message': None},
    {'at': '2026-11-25T22:04:00.950028Z', 'step': 'cutoff',
     'resource': None, 'state': 'succeeded', 'message': None},
]


def _step(step, start, end, res=None, outcome='succeeded'):
    return {'step': step, 'started_at': '2026-11-25T22:04:%sZ' % start,
            'ended_at': '2026-11-25T22:04:%sZ' % end,
            'duration_seconds': float(end) - float(start),
            'resource': res, 'outcome': outcome, 'message': None}


SRV = {'type': 'OS::Nova::Server', 'id': SERVER}
REPORT = {
    'operation_id': OPERATION['id'], 'plan_id': PLAN['id'],
    'action': 'test_failover', 'status': 'succeeded',
    'started_at': '2026-11-25T22:04:00.000000Z',
    'finished_at': '2026-11-25T22:04:06.000000Z',
    'duration_seconds': 6.0, 'rto_seconds': 5.5, 'rpo_seconds': 1.2,
    'steps': [
        _step('cutoff', '00.000', '00.100'),
        _step('activate-container-app', '00.100', '00.300',
              {'type': 'OS::Swift::Container', 'id': 'app'}),
        _step('import-volume', '00.100', '01.500',
              {'type': 'OS::Cinder::Volume', 'id': VOL_BOOT}),
        _step('import-volume', '01.500', '03.000',
              {'type': 'OS::Cinder::Volume', 'id': VOL_DATA}),
        _step('create-server-' + SERVER, '03.000', '04.000', SRV),
        _step('wait-active-' + SERVER, '04.000', '05.500', SRV),
    ],
}


def plan(**changes):
    p = copy.deepcopy(PLAN)
    p.update(changes)
    return p
