"""The gate's judge (GX, with pandas and pyarrow under it) imported early, from a module that imports
neither: the code location imports this at its load, and pandas alone took 0.3-0.45 s of it (on 2
cores under load), before any run had started."""

from __future__ import annotations

import importlib
import os
import threading

# what validating needs: GX, and the module that reads tables for it (pandas, pyarrow, the data docs)
JUDGE_MODULES = ("great_expectations", "expectations.validate")


def _import_judge() -> None:
    for name in JUDGE_MODULES:
        importlib.import_module(name)


def import_judge_in_background() -> threading.Thread:
    """Start importing GX in a thread, for a process that will validate after a long wait: the nightly
    refresh runs dbt as a child process first, and the import (2.6-5 s on 2 cores, most of the gate at
    x1 and x10) then overlaps the build instead of following it. `validate_relation`'s own import finds
    the module loaded, or waits for the thread under Python's import lock; an import that fails in the
    thread fails again there, where the gate reports it."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    thread = threading.Thread(target=_import_judge, name="gx-import", daemon=True)
    thread.start()
    return thread
