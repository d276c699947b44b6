"""TaskFlow tasks of the drs engine; :mod:`drs.engine.tasks.base` first."""
