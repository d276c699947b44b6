"""The memoised Pecan getargspec answers what Pecan's own does."""

import inspect

from pecan import core
from pecan import rest
from pecan import routing
from pecan import util
import testtools

from drs.api import app as api_app
from drs.api.controllers import root
from drs.api.controllers.v1 import actions
from drs.api.controllers.v1 import operations
from drs.api.controllers.v1 import plans
from drs.api.controllers.v1 import sites
from drs.api import pecan_argspec


def _controller_methods():
    for module in (root, actions, operations, plans, sites):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            try:
                instance = cls()
            except TypeError:
                continue
            for attr, value in vars(cls).items():
                if callable(value) and not attr.startswith('__'):
                    yield getattr(instance, attr)


class TestPecanArgspec(testtools.TestCase):

    def test_same_answer_as_pecan_for_every_controller_method(self):
        methods = list(_controller_methods())
        self.assertGreater(len(methods), 15)
        for method in methods:
            self.assertEqual(pecan_argspec._original(method),
                             pecan_argspec.getargspec(method), method)
            self.assertEqual(pecan_argspec._original(method.__func__),
                             pecan_argspec.getargspec(method.__func__))

    def test_computed_once_per_function(self):
        method = plans.PlansController().get_all
        pecan_argspec._cached.cache_clear()
        for _ in range(5):
            pecan_argspec.getargspec(plans.PlansController().get_all)
        info = pecan_argspec._cached.cache_info()
        self.assertEqual((1, 4), (info.misses, info.hits))
        self.assertEqual(['self'], pecan_argspec.getargspec(method).args)

    def test_callers_get_their_own_args_list(self):
        method = sites.SitesController().get_one
        pecan_argspec.getargspec(method).args.append('changed')
        self.assertNotIn('changed', pecan_argspec.getargspec(method).args)

    def test_installed_into_pecan_by_the_app(self):
        api_app._pecan_app(api_app.CONF)
        for module in (core, rest, routing):
            self.assertIs(pecan_argspec.getargspec, module.getargspec)
        # pecan.util keeps the original, the one the cache calls.
        self.assertIs(pecan_argspec._original, util.getargspec)
