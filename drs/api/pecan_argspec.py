"""Pecan's routing inspects every controller's signature on every request.

Pecan 1.8 calls ``pecan.util.getargspec`` about seven times per request
(routing, ``RestController`` dispatch, argument binding), and each call
builds a new ``namedtuple`` class and walks ``inspect.signature``: about
an eighth of drs-api's CPU for ``GET /v1/plans``. A function's signature
does not change while the process runs, so :func:`install` puts a
memoised ``getargspec`` into the Pecan modules that imported it, keyed by
the function (a bound method by its ``__func__``: a new bound method
object is made for every attribute access, and Pecan's answer for one is
its function's, ``self`` included). The answers are the same
objects Pecan would compute (the test compares them for every controller
method of drs), only computed once.
"""

import functools
import threading

from pecan import core
from pecan import decorators
from pecan import rest
from pecan import routing
from pecan import util

_MODULES = (core, decorators, rest, routing)
_original = util.getargspec
_lock = threading.Lock()


@functools.lru_cache(maxsize=1024)
def _cached(func):
    return _original(func)


def getargspec(method):
    """``pecan.util.getargspec``, memoised per function. Each caller gets
    its own copy of ``args``: Pecan copies before it changes the list,
    and a caller that did not would otherwise change the cached one."""
    func = getattr(method, '__func__', method)
    try:
        spec = _cached(func)
    except TypeError:  # an unhashable callable: as Pecan does
        return _original(method)
    return spec._replace(args=list(spec.args))


def install() -> None:
    """Idempotent; the API app calls it when it is built."""
    with _lock:
        for module in _MODULES:
            if getattr(module, 'getargspec', None) is _original:
                module.getargspec = getargspec
