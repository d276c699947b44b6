"""The Redis jobboard and the conductor that runs its jobs.

Every operation is posted as one job whose book is the operation's
logbook. Any engine worker's :class:`OperationConductor` claims it with an
expiring claim, renews the claim while it runs the flow, and consumes the
job when the flow has ended. When the worker dies, its claim expires and
another worker claims the job and resumes the flow from the atom states
persisted in the logbook.
"""

import threading
from urllib import parse

from oslo_config import cfg
from oslo_log import log
from taskflow.conductors.backends import impl_nonblocking
from taskflow.jobs.backends import impl_redis

from drs.common import states
from drs.db import api as db_api
from drs import context as drs_context
from drs.engine import listeners
from drs.engine import listings
from drs.engine import persistence
from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def redis_conf(url: str) -> dict:
    """TaskFlow Redis jobboard options from a redis:// or rediss:// URL."""
    parsed = parse.urlparse(url)
    if parsed.scheme not in ('redis', 'rediss'):
        raise ValueError('jobboard_backend_url must be a redis:// or '
                         'rediss:// URL')
    conf: dict = {'host': parsed.hostname or '127.0.0.1',
                  'port': parsed.port or 6379}
    if parsed.username:
        conf['username'] = parse.unquote(parsed.username)
    if parsed.password:
        conf['password'] = parse.unquote(parsed.password)
    db = parsed.path.lstrip('/')
    if db:
        conf['db'] = int(db)
    if parsed.scheme == 'rediss':
        conf['ssl'] = True
    query = parse.parse_qs(parsed.query)
    for key in ('sentinel', 'ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile',
                'socket_timeout'):
        if key in query:
            conf[key] = query[key][0]
    if 'sentinel_fallbacks' in query:
        conf['sentinel_fallbacks'] = query['sentinel_fallbacks']
    conf.setdefault('socket_timeout', 5)
    conf['retry_on_timeout'] = True
    return conf


class ExpiringClaimRedisJobBoard(impl_redis.RedisJobBoard):
    """A Redis jobboard whose claims expire unless they are renewed."""

    def __init__(self, name, conf, claim_expiry: float, **kwargs):
        super().__init__(name, conf, **kwargs)
        self.claim_expiry = claim_expiry

    def claim(self, job, who, expiry=None):
        return super().claim(job, who, expiry=expiry or self.claim_expiry)


def get_jobboard(persistence) -> ExpiringClaimRedisJobBoard:
    """The jobboard of ``[engine]``, connected."""
    conf = redis_conf(CONF.engine.jobboard_backend_url)
    conf['namespace'] = CONF.engine.jobboard_name
    board = ExpiringClaimRedisJobBoard(
        CONF.engine.jobboard_name, conf,
        claim_expiry=CONF.engine.jobboard_expiration_time,
        persistence=persistence)
    board.connect()
    return board


def job_operation_ids(board) -> set[str]:
    """Ids of the operations that have a job on the board."""
    return {job.details.get('operation_id')
            for job in board.iterjobs(ensure_fresh=True)
            if job.details}


class OperationConductor(impl_nonblocking.NonBlockingConductor):
    """Claims operation jobs, runs their flows, renews its claims."""

    def __init__(self, name: str, jobboard, persistence, load_engine,
                 host: str, max_simultaneous_jobs: int):
        """``load_engine(flow_detail, store, backend)``: the engine of a
        job's flow (:func:`drs.engine.runner.load_engine`, sized to the
        flow)."""
        super().__init__(name, jobboard, persistence=persistence,
                         max_simultaneous_jobs=max_simultaneous_jobs)
        self._load_engine = load_engine
        self._host = host
        self._renewer_stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _engine_from_job(self, job):
        flow_detail = self._flow_detail_from_job(job)
        store = dict((flow_detail.meta or {}).get('store') or {})
        store.update((job.details or {}).get('store') or {})
        return self._load_engine(flow_detail, store, self._persistence)

    def _listeners_from_job(self, job, engine):
        found = super()._listeners_from_job(job, engine)
        operation_id = (job.details or {}).get('operation_id')
        if operation_id:
            found.append(listeners.OperationListener(
                engine, operation_id, self._host))
        return found

    def _dispatch_job(self, job):
        operation_id = (job.details or {}).get('operation_id')
        if operation_id:
            context = drs_context.get_admin_context()
            try:
                op = db_api.operation_get(context, operation_id)
            except exception.OperationNotFound:
                LOG.warning('Job %s: operation %s no longer exists',
                            job, operation_id)
                return True
            if op.status in states.OP_FINAL_STATES:
                LOG.info('Operation %s is %s already: job done',
                         operation_id, op.status)
                return True
            book = persistence.get_logbook(operation_id)
            ended = [fd.state for fd in (book or [])
                     if fd.state in listeners.FLOW_END_STATES]
            if ended:
                # The flow ended but its worker died before the operation.
                listeners.finish_operation(operation_id, ended[0])
                return True
            LOG.info('Running operation %s (%s), claimed as %s',
                     operation_id, op.action, self._name)
        try:
            return super()._dispatch_job(job)
        finally:
            if operation_id:
                listings.release(operation_id)

    # ------------------------------------------------------- claim renewal

    def _renew_claims(self) -> None:
        interval = max(1.0, CONF.engine.jobboard_expiration_time / 3.0)
        while not self._renewer_stop.wait(interval):
            for fut in list(self._dispatched):
                job = getattr(fut, 'job', None)
                if job is None:
                    continue
                try:
                    job.extend_expiry(CONF.engine.jobboard_expiration_time)
                except Exception as e:
                    LOG.warning('Could not renew the claim of job %s: %s',
                                job, type(e).__name__)

    def run(self, max_dispatches=None):
        self._renewer_stop.clear()
        self._renewer = threading.Thread(target=self._renew_claims,
                                         name='drs-claim-renewer',
                                         daemon=True)
        self._renewer.start()
        try:
            return super().run(max_dispatches=max_dispatches)
        finally:
            self._renewer_stop.set()
