"""Secrets out of every log record, whoever logs them.

With ``debug = true`` the client libraries drs drives (keystoneauth,
novaclient, cinderclient, swiftclient, openstacksdk) log request and
response bodies: a Nova server's ``OS-EXT-SRV-ATTR:user_data`` (the user's
data, base64), an ``adminPass``, a trust created or deleted (its id in
the body and in the URL), tokens and sync keys in headers. keystoneauth
masks a few of them itself, not these.

:class:`RedactingFilter` rewrites each record's final message, replacing
the values of secret-bearing fields with ``***``; :func:`install` puts it
on every handler of the root logger (where oslo.log sends every logger's
records), and :func:`drs.common.service.prepare_service` calls it for
every drs process.
"""

import logging
import re

MASK = '***'

# Field names whose values are secrets (matched case-insensitively, as a
# part of the name: "OS-EXT-SRV-ATTR:user_data", "new_password"...).
_SECRET_NAMES = (
    'user_data', 'userdata', 'adminpass', 'admin_pass', 'password',
    'passwd', 'token', 'trust_id', 'secret', 'sync_key', 'sync-key',
    'private_key', 'credential', 'auth_key',
)
_NAME = r'[\w:.\-]*(?:%s)[\w\-]*' % '|'.join(
    re.escape(n) for n in _SECRET_NAMES)

_PATTERNS = [
    # JSON and Python reprs: "name": "value" / 'name': 'value'.
    (re.compile(r'''(?P<q>["'])(?P<name>%s)(?P=q)(?P<sep>\s*:\s*)'''
                r'''(?P<v>["'])(?:\\.|(?!(?P=v)).)*(?P=v)''' % _NAME,
                re.IGNORECASE | re.DOTALL),
     r'\g<q>\g<name>\g<q>\g<sep>\g<v>%s\g<v>' % MASK),
    # Headers: "X-Auth-Token: value", "X-Container-Sync-Key: value".
    (re.compile(r'(?P<name>X-(?:Auth|Subject|Service)-Token|'
                r'X-Container-Sync-Key|X-Account-Meta-Temp-URL-Key[\w-]*|'
                r'X-Container-Meta-Temp-URL-Key[\w-]*)'
                r'(?P<sep>["\']?\s*:\s*["\']?)(?P<v>[^\s"\',}]+)',
                re.IGNORECASE),
     r'\g<name>\g<sep>%s' % MASK),
    # name=value (query strings, option dumps, curl lines).
    (re.compile(r'(?P<name>\b%s)=(?P<v>"[^"]*"|\'[^\']*\'|[^\s&,;\'"]+)'
                % _NAME, re.IGNORECASE),
     r'\g<name>=%s' % MASK),
    # A trust's id in a URL (GET/DELETE /v3/OS-TRUST/trusts/<id>).
    (re.compile(r'(?P<p>/OS-TRUST/trusts/)(?P<v>[0-9A-Za-z_\-]+)'),
     r'\g<p>%s' % MASK),
]

# A trust's id is plain "id" in the body Keystone returns for it.
_TRUST_BODY = re.compile(r'["\']trusts?["\']\s*:\s*[\[{]')
_ID_VALUE = re.compile(r'''(?P<q>["'])id(?P=q)(?P<sep>\s*:\s*)'''
                       r'''(?P<v>["'])(?P<value>[^"']*)(?P=v)''')

_CHEAP = re.compile('|'.join(
    [re.escape(n) for n in _SECRET_NAMES] +
    ['x-auth-token', 'x-subject-token', 'x-service-token',
     'x-container-sync-key', 'temp-url-key', 'os-trust', 'trust']),
    re.IGNORECASE)


def redact(message: str) -> str:
    """``message`` with the values of secret-bearing fields masked."""
    if not _CHEAP.search(message):
        return message
    for pattern, replacement in _PATTERNS:
        message = pattern.sub(replacement, message)
    if _TRUST_BODY.search(message):
        # The trust's id, and wherever else it appears (its links).
        ids = {m.group('value') for m in _ID_VALUE.finditer(message)}
        message = _ID_VALUE.sub(r'\g<q>id\g<q>\g<sep>\g<v>%s\g<v>' % MASK,
                                message)
        for value in sorted(ids, key=len, reverse=True):
            if len(value) >= 8:
                message = message.replace(value, MASK)
    return message


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its traceback) with no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format is not our failure
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so that its text is redacted too.
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger).

    Handlers, not loggers: a logger's filters do not see the records its
    children propagate. Idempotent.
    """
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
