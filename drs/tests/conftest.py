"""Fixtures shared by every drs test suite."""

from oslo_config import cfg
import pytest

from drs.common import service
from drs.conf import opts
from drs import policy

_parsed = False


class ConfigOverrides:
    """Overrides of the global CONF, all cleared when the test ends.

    CONF is parsed once per process (with no file, so nothing of the
    machine's /etc/drs leaks in) and never cleared: options that auth
    plugins register later are checked only at parse time.
    """

    def __init__(self, conf: cfg.ConfigOpts):
        self.conf = conf
        self._overrides: list[tuple[str, str | None]] = []

    def config(self, group: str | None = None, **kwargs) -> None:
        for name, value in kwargs.items():
            self.conf.set_override(name, value, group=group)
            self._overrides.append((name, group))

    def cleanup(self) -> None:
        for name, group in reversed(self._overrides):
            self.conf.clear_override(name, group=group)
        self._overrides = []


def parse_config_once() -> None:
    global _parsed
    if not _parsed:
        service.use_threading_backend()
        service.register_logging(cfg.CONF)
        opts.set_defaults(cfg.CONF)
        cfg.CONF([], project='drs', default_config_files=[])
        _parsed = True


@pytest.fixture
def conf():
    """The global CONF, with the test's overrides cleared afterwards."""
    parse_config_once()
    overrides = ConfigOverrides(cfg.CONF)
    policy.reset()
    try:
        yield overrides
    finally:
        policy.reset()
        overrides.cleanup()
