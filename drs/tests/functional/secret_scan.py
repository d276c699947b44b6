"""The secret scan of what the functional tests produced.

What counts as a secret: the test Keystone's passwords (admin, the users,
drs's service user), every token the fixtures issued (and any others a
test adds), any Fernet token, and the id of every trust Keystone holds
(each plan's, deleted ones included: Keystone keeps them, soft-deleted).
Used by the CLI tests' scan (``cli/test_secrets.py``) and by the WSGI
server tests (their server, error and access logs, and every response).
"""

from __future__ import annotations

import os
import re
import sqlite3

from drs.tests.functional import conftest as functional_conftest
from drs.tests import local_keystone

# Fernet tokens (and receipts): a version byte 0x80, base64url.
FERNET = re.compile(r'gAAAAA[A-Za-z0-9_=-]{60,}')


def trust_ids(keystone: local_keystone.Keystone) -> list[str]:
    db = sqlite3.connect(os.path.join(keystone.directory,
                                      'keystone.sqlite'))
    try:
        return [row[0] for row in db.execute('SELECT id FROM trust')]
    finally:
        db.close()


def secrets(keystone: local_keystone.Keystone,
            tokens: dict[str, str] | None = None) -> dict[str, str]:
    """What must appear nowhere: ``{what: value}``."""
    found = {
        'admin password': local_keystone.ADMIN_PASSWORD,
        'user password': local_keystone.USER_PASSWORD,
        'drs service password': local_keystone.SERVICE_PASSWORD,
    }
    for (_url, user), token in functional_conftest._TOKENS.items():
        found['token of %s' % user] = token
    for what, token in (tokens or {}).items():
        found['token %s' % what] = token
    for trust_id in trust_ids(keystone):
        found['trust %s' % trust_id[:8]] = trust_id
    return found


def leaks(texts: dict[str, str], found: dict[str, str]) -> list[str]:
    """``'<what> in <where>'`` for every secret in every text."""
    out = []
    for where, text in texts.items():
        for what, value in found.items():
            if value and value in text:
                out.append('%s in %s' % (what, where))
        for match in FERNET.finditer(text):
            out.append('a Fernet token (%s...) in %s'
                       % (match.group()[:12], where))
    return out
