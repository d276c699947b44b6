"""Options of the [engine] group."""

from oslo_config import cfg

from drs.i18n import _

engine_group = cfg.OptGroup(
    'engine', title=_('Engine options'),
    help=_('Options of drs-engine, which runs operations as TaskFlow '
           'graphs.'))

engine_opts = [
    cfg.StrOpt(
        'topic', default='drs-engine',
        help=_('The RPC topic the engine listens on.')),
    cfg.StrOpt(
        'version_cap',
        help=_('Highest RPC API version the API may send to the engine. '
               'Set it to the older version during a rolling upgrade.')),
    cfg.IntOpt(
        'workers', default=1, min=1,
        help=_('Number of engine worker processes drs-engine starts. '
               'Each one records itself as the engine of the operations '
               'it runs (the host name, then host:N for worker N) and, '
               'without a jobboard, resumes its own unfinished operations '
               'when it starts again.')),
    cfg.IntOpt(
        'max_concurrent_operations', default=8, min=1,
        help=_('How many operations one engine worker runs at the same '
               'time.')),
    cfg.IntOpt(
        'max_parallel_tasks', default=64, min=1,
        help=_('How many tasks of one operation may run in parallel, at '
               'most. Each operation runs as many as its flow can run at '
               'once (every import of the plan together, then every '
               'server of a tier), up to this many and never more than '
               'the database pool hands out at once ([database] '
               'max_pool_size plus max_overflow). On SQLite an '
               'operation runs one task at a time.')),
    cfg.StrOpt(
        'jobboard_backend_url',
        secret=True,
        help=_('URL of the Redis server holding the jobboard, e.g. '
               'redis://127.0.0.1:6379/0 or '
               'redis://:password@host:6379/0; rediss:// for TLS. When '
               'set, an engine worker posts each operation as a job and '
               'any worker claims and runs it; a job whose worker died is '
               'taken over by another worker when its claim expires. '
               'When unset, the worker that receives an operation runs it '
               'and an engine resumes its own unfinished operations when '
               'it starts.')),
    cfg.StrOpt(
        'jobboard_name', default='drs_jobs',
        help=_('Name of the jobboard: the key namespace in Redis. Every '
               'engine of one deployment uses the same name.')),
    cfg.IntOpt(
        'jobboard_expiration_time', default=30, min=2,
        help=_('Seconds a job claim lives in Redis without being renewed. '
               'A worker renews the claims of its jobs every third of '
               'this time; when it dies, another worker takes the job '
               'over after at most this long.')),
    cfg.IntOpt(
        'database_retry_timeout', default=60, min=0,
        help=_('Seconds a step whose database connection was lost (a '
               'database restart or failover) keeps trying again before '
               'it fails its operation; the end of an operation is '
               'recorded the same way. Steps are idempotent, so a step '
               'tried again does its side effect once. 0 fails at '
               'once.')),
    cfg.BoolOpt(
        'persistence', default=True,
        help=_('Persist the state of every task (TaskFlow logbooks in the '
               'drs database) so that an interrupted operation resumes '
               'where it stopped. Disable only for throwaway '
               'development; the jobboard requires it.')),
    cfg.DictOpt(
        'action_flows', default={},
        help=_('Flow factories replacing the built-in flow of an action, '
               'as action:module.path.function pairs. Each factory is a '
               'module-level function taking the plan (a dict) and the '
               'operation parameters and returning a TaskFlow flow.')),
    cfg.IntOpt(
        'periodic_interval', default=60, min=1,
        help=_('Seconds between two runs of the engine periodic tasks '
               '(stuck-operation recovery).')),
    cfg.IntOpt(
        'trust_session_ttl', default=30, min=0,
        help=_('Seconds the engine reuses a plan\'s trust session (and '
               'its token) before authenticating with the trust again. '
               'Re-authenticating fails at once when the trust was '
               'deleted or its trustor lost the roles, so this bounds how '
               'long the engine may still act for a plan after its trust '
               'was revoked (plus the cloud services\' own token cache, '
               'keystonemiddleware\'s token_cache_time). 0 authenticates '
               'for every task.')),
    cfg.IntOpt(
        'stuck_operation_timeout', default=120, min=5,
        help=_('An unfinished operation that has no job on the jobboard '
               '(or, without a jobboard, a pending operation no engine '
               'took) and has not changed for this many seconds is '
               're-posted by the stuck-operation recovery.')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(engine_group)
    conf.register_opts(engine_opts, group=engine_group)


def list_opts() -> dict:
    return {engine_group: engine_opts}
