"""Ceph's command-line tools (``rbd``, ``radosgw-admin``) run against one
site's cluster, JSON out, with a timeout drs controls.

The commands rather than the ``rados``/``rbd`` python bindings: the
bindings are built by the distribution for its own Python, which need not
be drs's, and a command that gets no answer (a frozen or lost cluster)
fails within its timeout instead of hanging a flow.
"""

import json
import subprocess  # noqa: S404 - fixed argv, no shell
from collections.abc import Callable, Sequence
from typing import Any

from drs.i18n import _


def run(argv: Sequence[str], args: Sequence[str], *, site: str,
        timeout: float, error: type, unreachable: type,
        runner: Callable[..., Any] | None = None,
        fmt_json: bool = True) -> Any:
    """Run ``argv + args`` (``argv``: the command and its cluster options,
    ``args``: what is asked, shown in errors); its JSON (or text without
    ``fmt_json``). Raises ``unreachable`` after ``timeout`` seconds
    without an answer, ``error`` (with ``returncode`` and ``stderr``) when
    the command fails."""
    runner = runner or subprocess.run
    command = argv[0].rsplit('/', 1)[-1]
    full = list(argv) + list(args)
    if fmt_json:
        full += ['--format', 'json']
    shown = ' '.join(args)
    try:
        r = runner(full, capture_output=True, text=True, timeout=timeout,
                   check=False)
    except subprocess.TimeoutExpired:
        raise unreachable(detail=_(
            '%(cmd)s %(args)s at site %(site)s: no answer within %(t)ss '
            '(cluster unreachable?)') % {
                'cmd': command, 'args': shown, 'site': site, 't': timeout})
    except OSError as e:
        raise error(detail=_('cannot run %(cmd)s at site %(site)s: %(e)s')
                    % {'cmd': command, 'site': site, 'e': e})
    if r.returncode:
        err = (r.stderr or r.stdout or '').strip().splitlines()
        raise error(
            detail=_('%(cmd)s %(args)s at site %(site)s failed (rc %(rc)s):'
                     ' %(err)s') % {
                'cmd': command, 'args': shown, 'site': site,
                'rc': r.returncode, 'err': err[-1] if err else ''},
            returncode=r.returncode, stderr=r.stderr or '')
    if not fmt_json:
        return r.stdout
    return json.loads(r.stdout) if r.stdout.strip() else None


def cluster_argv(command: str, opts: dict) -> list[str]:
    """``command`` with the cluster options of ``opts`` (``ceph_conf``,
    ``client_id``, ``keyring``)."""
    argv = [command, '--conf', opts['ceph_conf'], '--id', opts['client_id']]
    if opts.get('keyring'):
        argv += ['--keyring', opts['keyring']]
    return argv
