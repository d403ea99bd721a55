"""A dbt process started ahead of time: it imports dbt while the run ingests, then runs the one dbt
command the relay (`dbt_relay.py`) hands it, exactly as the `dbt` command would, and ends.

Run as a script by `dbt_warm.start_waiting_dbt` (`python dbt_server.py <listening socket's fd> <parent
pid>`): a new process, not a fork of the run's, which has threads (a fork of it once hung on a lock
another thread held). The run's process bound and listens on the socket before starting it, so a relay
that comes while dbt still imports waits rather than runs dbt itself. It ends without running anything
when its run's process goes, and dies when the relay does (dagster-dbt killed the command): an orphaned
dbt never keeps writing the warehouse.
"""

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


def main(listening: int, parent: int) -> None:
    listener = _listener(listening)
    # what the `dbt` command imports before it reads its arguments, and the adapter it will load
    import dbt.adapters.duckdb
    import dbt.task.build  # noqa: F401
    from dbt.cli.main import cli

    connection = _accept(listener, parent)
    listener.close()
    if connection is None:
        return
    command = _take_command(connection)
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
        ended = SystemExit(cli())  # dbt's command line, as the `dbt` script calls it: `sys.exit(cli())`
    except SystemExit as exited:
        ended = exited
    code = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
    sys.stdout.flush()
    finished.set()
    connection.sendall(str(code).encode())
    sys.exit(code)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
