"""The base of drs's REST collections."""

import pecan
from pecan import rest
import webob.exc

def allow_methods(*methods: str) -> None:
    """405, with an Allow header, unless the request uses one of these."""
    if pecan.request.method not in methods:
        pecan.abort(405, headers={'Allow': ', '.join(methods)})


# Methods on an item of a collection; they need its id.
_ITEM_METHODS = ('delete', 'patch', 'put')


class CollectionController(rest.RestController):
    """A RestController whose item methods are refused on the collection.

    Pecan routes ``DELETE /v1/plans`` to ``delete()`` without an id and
    fails with a TypeError (a 500); a collection answers 405 instead,
    with the methods it allows.
    """

    #: Methods the collection itself answers (for the Allow header).
    collection_methods = 'GET, POST'

    def _refuse_on_collection(self, method: str, remainder) -> None:
        if method in _ITEM_METHODS and not [r for r in remainder if r]:
            raise webob.exc.HTTPMethodNotAllowed(
                detail='%s is not allowed on the collection %s; use it on '
                       'one of its items.' % (method.upper(),
                                              type(self).__name__),
                headers=[('Allow', self.collection_methods)])

    def _handle_delete(self, method, remainder, request=None):
        self._refuse_on_collection(method, remainder)
        return super()._handle_delete(method, remainder, request)

    def _handle_put(self, method, remainder, request=None):
        self._refuse_on_collection(method, remainder)
        return super()._handle_put(method, remainder, request)

    def _handle_unknown_method(self, method, remainder, request=None):
        self._refuse_on_collection(method, remainder)
        return super()._handle_unknown_method(method, remainder, request)
