import logging

import pytest

from drs.common import log_redaction

USER_DATA = 'I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogaHVudGVyMg=='
TRUST = '4f1b2c3d4e5f60718293a4b5c6d7e8f9'

NOVA_BODY = (
    'RESP: [200] Content-Type: application/json\nRESP BODY: '
    '{"server": {"id": "abc", "name": "web-1", '
    '"OS-EXT-SRV-ATTR:user_data": "%s", "adminPass": "pa\\"ss", '
    '"metadata": {"role": "web"}}}' % USER_DATA)


@pytest.mark.parametrize('message,secrets,kept', [
    (NOVA_BODY, [USER_DATA, 'pa\\"ss'], ['web-1', '"role": "web"',
                                          '"id": "abc"']),
    ("{'user_data': 'c2VjcmV0', 'name': 'x'}", ['c2VjcmV0'], ["'name': 'x'"]),
    ('REQ: curl -X DELETE http://k/v3/OS-TRUST/trusts/%s' % TRUST, [TRUST],
     ['curl -X DELETE']),
    ('RESP BODY: {"trust": {"id": "%s", "project_id": "p1"}}' % TRUST,
     [TRUST], ['"project_id": "p1"']),
    ('plan p1 trust_id=%s ok' % TRUST, [TRUST], ['plan p1']),
    ('X-Auth-Token: gAAAAABtokenvalue X-Container-Sync-Key: s3cr3tkey',
     ['gAAAAABtokenvalue', 's3cr3tkey'], []),
    ('"X-Container-Sync-Key": "s3cr3tkey", "X-Container-Sync-To": "//r/c"',
     ['s3cr3tkey'], ['//r/c']),
    ('{"auth": {"password": {"user": {"password": "hunter2"}}}}',
     ['hunter2'], []),
])
def test_redact(message, secrets, kept):
    redacted = log_redaction.redact(message)
    for secret in secrets:
        assert secret not in redacted
    for text in kept:
        assert text in redacted
    assert log_redaction.MASK in redacted


def test_messages_without_secrets_are_untouched():
    message = 'GET /v1/plans 200 {"plans": [{"id": "x", "name": "tok"}]}'
    assert log_redaction.redact(message) is message


def test_installed_filter_redacts_records_of_every_logger(tmp_path):
    path = tmp_path / 'drs.log'
    root = logging.getLogger()
    handler = logging.FileHandler(path)
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        log_redaction.install()
        log_redaction.install()
        assert handler.filters.count(log_redaction._FILTER) == 1
        # As keystoneauth logs: a child logger, %-args.
        logging.getLogger('keystoneauth.session').debug('%s', NOVA_BODY)
        try:
            raise RuntimeError('user_data="%s"' % USER_DATA)
        except RuntimeError:
            logging.getLogger('novaclient').exception('failed')
        handler.flush()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    text = path.read_text()
    assert 'web-1' in text and 'RuntimeError' in text
    assert USER_DATA not in text
