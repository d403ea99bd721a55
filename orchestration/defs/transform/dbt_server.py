"""A dbt process started ahead of time: it imports dbt while the run ingests, then runs the one dbt
command the relay (`dbt_relay.py`) hands it, exactly as the `dbt` command would, and ends: it closes the
warehouse and leaves at once, without the interpreter's teardown, which dagster-dbt would wait for.

Run as a script by `dbt_warm.start_waiting_dbt` (`python dbt_server.py <listening socket's fd> <parent
pid> [<the build's --vars> [<the target's parse lock, taken: an fd>]]`): a new process, not a fork of
the run's, which has threads (a fork of it once hung on a lock another thread held). The run's
process bound and listens on the socket before starting it, so a relay that comes while dbt still
imports waits rather than runs dbt itself. It ends without running anything when its run's process
goes, and dies when the relay does (dagster-dbt killed the command): an orphaned dbt never keeps
writing the warehouse.

Given the build's variables, it also parses the project while it waits (`dbt parse` through dbtRunner,
writing no artifact), and hands the manifest to the command (dbt's `dbtRunner(manifest=...)`, here
click's `obj`), which then skips its own parse: loading the adapter, the partial-parse check and
writing manifest.json, 1.1-1.5 s of every build before its first node. Only if the command would have
parsed the same (`_ParsedAhead.fits`: environment, working directory, `--vars`, no other argument that
changes the parse, no file of the project changed since); else the command parses as it always did.
When the target holds no current manifest (a new data directory, changed definitions), the parse
writes it there, under the parse lock it was handed: the code location waits for it instead of parsing
the same project beside it (2.6 s of the x100 first night before any run could start).
"""

import atexit
import json
import os
import signal
import socket
import sys
import threading

# the relay beside this file (a script's folder is first on its sys.path): its handshake, this process's
# answer once it runs the command, followed by its pid
from dbt_relay import ACCEPTED


def _listener(fd: int) -> socket.socket:
    """The socket the run's process bound and listens on (named by `dbt_relay.socket_name`)."""
    listener = socket.socket(fileno=fd)
    listener.settimeout(1.0)
    return listener


def _accept(listener: socket.socket, parent: int) -> socket.socket | None:
    """The relay's connection, or None once the run's process is gone."""
    while True:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != parent:
                return None
            continue
        connection.settimeout(None)
        return connection


def _die_with(connection: socket.socket, finished: threading.Event) -> None:
    """Kill this process when the relay ends first: dagster-dbt gave up on the command."""
    connection.recv(1)  # returns when the relay's end closes
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGKILL)


def _take_command(connection: socket.socket) -> dict:
    """Receive the command and make the relay's stdin, stdout and stderr this process's own."""
    message, fds, _flags, _address = socket.recv_fds(connection, 1 << 20, 3)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    return json.loads(message)


# Arguments that change what dbt parses, besides `--vars` (compared by value): a command that gives any
# of them parses itself. The rest (the subcommand, selection, `--full-refresh`, log flags) do not.
PARSE_ARGUMENTS = {
    "--project-dir",
    "--profiles-dir",
    "--profile",
    "--target",
    "-t",
    "--target-path",
    "--partial-parse",
    "--no-partial-parse",
}


def _project_files(project_dir: str) -> list[tuple[str, int, int]]:
    """Every file of the dbt project with its size and modification time (a hundred files: 2 ms)."""
    return sorted(
        (os.path.join(folder, name), status.st_size, status.st_mtime_ns)
        for folder, _, names in os.walk(project_dir)
        for name in names
        for status in [os.stat(os.path.join(folder, name))]
    )


class _ParsedAhead:
    """The manifest parsed while waiting, and what it was parsed from. Given the target's parse lock
    (`dbt_warm.parse_lock`, taken for this process), the parse writes the manifest into the target, as
    the code location's would, and releases the lock once it is written."""

    def __init__(self, variables: str, parse_lock: int | None) -> None:
        from dbt.cli.main import dbtRunner

        self.variables, self.env, self.cwd = variables, dict(os.environ), os.getcwd()
        self.files = _project_files(os.environ["DBT_PROJECT_DIR"])
        try:
            written = [] if parse_lock is not None else ["--no-write-json"]
            parsed = dbtRunner().invoke(["parse", "--quiet", *written, "--vars", variables])
        finally:
            if parse_lock is not None:
                os.close(parse_lock)
        self.manifest = parsed.result if parsed.success else None

    def fits(self, command: dict) -> bool:
        """Whether the command would parse the same: the environment and working directory the parse
        had, its `--vars` and no other argument that changes the parse (`PARSE_ARGUMENTS`), and the
        project's files as they were."""
        argv = command["argv"]
        given = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--vars"]
        named = {arg.split("=", 1)[0] for arg in argv[1:] if arg.startswith("-")}
        return (
            self.manifest is not None
            and command["env"] == self.env
            and command["cwd"] == self.cwd
            and given == [self.variables]
            and not named & PARSE_ARGUMENTS
            and _project_files(self.env["DBT_PROJECT_DIR"]) == self.files
        )


def main(listening: int, parent: int, variables: str | None, parse_lock: int | None) -> None:
    listener = _listener(listening)
    # what the `dbt` command imports before it reads its arguments, and the adapter it will load
    import dbt.adapters.duckdb
    import dbt.task.build  # noqa: F401
    from dbt.cli.main import cli

    ahead = _ParsedAhead(variables, parse_lock) if variables is not None else None
    connection = _accept(listener, parent)
    listener.close()
    if connection is None:
        return
    command = _take_command(connection)
    manifest = ahead.manifest if ahead is not None and ahead.fits(command) else None
    os.environ.clear()
    os.environ.update(command["env"])
    os.chdir(command["cwd"])
    sys.argv = command["argv"]
    finished = threading.Event()
    threading.Thread(target=_die_with, args=(connection, finished), daemon=True).start()
    try:
        connection.sendall(ACCEPTED + str(os.getpid()).encode())
    except OSError:  # the relay ended while this process imported: nobody waits for the command
        return
    try:
        # dbt's command line, as the `dbt` script calls it (`sys.exit(cli())`), with the manifest if any
        ended = SystemExit(cli.main(obj={"manifest": manifest, "callbacks": []}))
    except SystemExit as exited:
        ended = exited
    code = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
    _close_warehouse()
    # What `sys.exit` would do before the interpreter's teardown: the exit handlers (logging's flush of
    # dbt.log, multiprocessing's release of the semaphores dbt made), and the streams flushed. The
    # teardown itself (dbt's modules and objects) is left out: this process holds dagster-dbt's pipe
    # open until it is gone, and the step waited 0.6-0.8 s for it after dbt had finished (x100 sample,
    # 2 cores). Then the relay is told the exit code.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    finished.set()
    connection.sendall(str(code).encode())
    os._exit(code)


def _close_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after the command (it closes it only when the
    interpreter tears down): its file checkpointed and unlocked, its spill folder removed."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        environment = DuckDBConnectionManager.env()
    except Exception:  # no node opened the database (a parse, a command that failed before)
        return
    environment.close()


if __name__ == "__main__":
    main(
        int(sys.argv[1]),
        int(sys.argv[2]),
        sys.argv[3] if len(sys.argv) > 3 else None,
        int(sys.argv[4]) if len(sys.argv) > 4 else None,
    )
