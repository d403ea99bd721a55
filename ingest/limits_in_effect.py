"""The limits in effect: those of the ingest in progress, else the registry's (`sources.yml`).

Apart from `ingest/limits.py` because it needs the registry, and the registry needs the limits' model.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ingest.limits import Limits
from ingest.registry import load_registry

_ACTIVE: ContextVar[Limits | None] = ContextVar("ingest_limits", default=None)


def active() -> Limits:
    """The limits readers apply now: those of the ingest in progress, else the registry's."""
    limits = _ACTIVE.get()
    if limits is None:
        limits = load_registry().limits
    return limits


@contextmanager
def applied(limits: Limits) -> Iterator[Limits]:
    """Apply `limits` for one ingest, and undo it afterwards.

    `csv.field_size_limit` is one value per process (the `_csv` module keeps it in module state; no
    reader or dialect parameter carries it), so it cannot be set per reader call: it is set here, from
    the configuration, for the duration of the ingest, and restored after it. Every csv reader of the
    process sees the configured bound meanwhile, which is intended (no field of any delivered file may
    be longer than a line may be); one run at a time (the platform's `max_concurrent_runs: 1`) means no
    other ingest with other limits runs beside it.
    """
    token = _ACTIVE.set(limits)
    previous = csv.field_size_limit(int(limits.max_line_bytes))
    try:
        yield limits
    finally:
        csv.field_size_limit(previous)
        _ACTIVE.reset(token)
