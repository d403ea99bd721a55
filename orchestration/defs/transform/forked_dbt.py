"""A dbt command in a child forked from the run's process instead of a new interpreter.

Why: a dbt process spends its first 2.5 s (of 3.5 s for a one-model build, measured on the 2-core
machine: `time dbt build --select dim_social_index_rules`) importing dbt-core and its adapter, mostly
mashumaro compiling the serialisers of dbt's dataclasses. The process that launches the build has
imported them already (dagster_dbt imports dbt-core), so a forked child starts with them loaded. On a
night with one new file the dbt phase is half of the run, and this start its largest fixed part.

What stays as it was: dagster-dbt launches the command and reads the JSON log lines and the exit code
exactly as from a `dbt` process (Popen's pipes, `wait`, `send_signal(SIGINT)` to stop it); the child
runs dbt's own command-line entry point (`dbt.cli.main:cli`, what the `dbt` executable runs) with the
same arguments, working directory and environment, and ends with `os._exit`, so that nothing inherited
from the parent (its DuckDB and SQLite connections, Dagster's instance, exit handlers) is touched or
flushed by the child. POSIX only (fork).

Why fork is safe here: the child is forked before the gate's background import starts
(`expectations.background`), while no other thread of the run's process works, so no lock the child
takes (the import lock, logging's, DuckDB's) can be held by a thread that does not exist in it.
The private parts this leans on (pinned versions; re-check on upgrade): `Popen._execute_child`'s
pipe arguments (CPython 3.11), the name `subprocess` in dagster-dbt's `dbt_cli_invocation`, and dbt's
multiprocessing context (`dbt.mp_context`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

from dagster_dbt.core import dbt_cli_invocation

EX_SOFTWARE = 70  # the child's exit code when dbt could not even be started


class ForkedDbtProcess(subprocess.Popen):
    """`subprocess.Popen` whose child is this process forked, running dbt's command line in it."""

    def _execute_child(  # type: ignore[override]
        self, args: list[str], executable: Any, preexec_fn: Any, close_fds: bool, pass_fds: Any,
        cwd: str | None, env: dict[str, str] | None, *rest: Any,
    ) -> None:  # fmt: skip
        # the pipe ends Popen made for the child and for this side (subprocess.Popen._execute_child)
        p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite = rest[3:9]
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here may be written twice
            stream.flush()
        pid = os.fork()
        if pid == 0:
            _run_dbt(args, cwd, env, (p2cread, c2pwrite, errwrite), {p2cwrite, c2pread, errread} - {-1})
        self.pid = pid
        self._child_created = True
        for fd in {p2cread, c2pwrite, errwrite} - {-1}:
            os.close(fd)


def _run_dbt(
    args: list[str], cwd: str | None, env: dict[str, str] | None, child_fds: tuple, parent_fds: set[int]
) -> None:
    """The child: dbt's command line on the pipes Popen made; never returns."""
    code = EX_SOFTWARE
    try:
        stdin, stdout, stderr = child_fds
        for fd in parent_fds:
            os.close(fd)
        for fd, target in ((stdin, 0), (stdout, 1), (stderr if stderr != -1 else stdout, 2)):
            if fd != -1:
                os.dup2(fd, target)
        # the parent's sys.stdout may be redirected (the refresh sends it to stderr, Dagster captures it)
        sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.default_int_handler)  # dagster-dbt stops dbt with SIGINT
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(cwd or ".")
        os.environ.clear()
        os.environ.update(env or {})
        import dbt.mp_context
        from dbt.cli.main import cli

        # dbt's locks come from a "spawn" context, whose named semaphores a resource tracker would
        # report as leaked after `os._exit`; this child starts no processes, so "fork" locks serve.
        dbt.mp_context._MP_CONTEXT = multiprocessing.get_context("fork")
        try:
            cli.main(args[1:], prog_name="dbt")
            code = 0
        except SystemExit as end:
            code = end.code if isinstance(end.code, int) else 1
    except BaseException:  # whatever happened, the child reports it and ends
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


@contextlib.contextmanager
def dbt_forked() -> Iterator[None]:
    """The dbt command dagster-dbt launches inside the block runs in a forked child. Only dagster-dbt's
    name for the subprocess module is swapped, for as long as the launch takes."""
    original = dbt_cli_invocation.subprocess
    dbt_cli_invocation.subprocess = types.SimpleNamespace(  # type: ignore[assignment]
        Popen=ForkedDbtProcess, PIPE=subprocess.PIPE, STDOUT=subprocess.STDOUT
    )
    try:
        yield
    finally:
        dbt_cli_invocation.subprocess = original
