"""The dbt command dagster-dbt starts: hands its arguments, environment and output to the dbt process the
run started ahead of time (`dbt_server.py`), or runs dbt itself when none waits.

dagster-dbt starts dbt as a new process and reads its JSON log lines from the process's stdout. A new
dbt process spends its first 2.7 s importing dbt (measured: `python -c "import dbt.cli.main,
dbt.adapters.duckdb, dbt.task.build"`, 2 cores), time the run's ingest steps could have covered. So the
run starts one at its beginning (`dbt_warm.py`), and this relay, which starts in 0.03 s (standard
library only, run without site packages), passes it three file descriptors (stdin, and stdout/stderr:
dagster-dbt's pipe) over a Unix socket, with the command line, environment and working directory. The
waiting process runs dbt as the `dbt` command would and writes straight into that pipe; the relay
exits with dbt's exit code, and forwards SIGINT/SIGTERM (dagster-dbt's interrupt) to it.

Only the standard library here: the launcher script (`dbt_warm.write_launcher`) imports this file into
an interpreter started without site packages.
"""

import hashlib
import json
import os
import signal
import socket
import sys

ACCEPTED = b"A"  # the waiting process took the command: from here on it, not this relay, runs dbt


def socket_name(run_pid: int, target_path: str) -> str:
    """The abstract Unix socket (its address, less the leading NUL) the run's waiting dbt process listens
    on: named for the run's process (whose child is both that process and this relay) and its dbt target
    folder. Abstract (Linux): no file to clean up after a killed run, no path length limit."""
    digest = hashlib.sha256(os.path.abspath(target_path).encode()).hexdigest()[:16]
    return f"sozialmonitor-dbt-{run_pid}-{digest}"


def _run_dbt_here(real_dbt: str) -> None:
    os.execv(real_dbt, [real_dbt, *sys.argv[1:]])


def main(real_dbt: str) -> None:
    target = os.environ.get("DBT_TARGET_PATH")
    if target is None:
        _run_dbt_here(real_dbt)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        server.connect("\0" + socket_name(os.getppid(), target))
    except OSError:  # nobody waits (a dbt command outside a run, or the run's process started none)
        _run_dbt_here(real_dbt)
    command = {"argv": [real_dbt, *sys.argv[1:]], "env": dict(os.environ), "cwd": os.getcwd()}
    socket.send_fds(server, [json.dumps(command).encode()], [0, 1, 2])
    accepted = server.recv(32)  # ACCEPTED and the pid of the process that runs dbt
    if not accepted.startswith(ACCEPTED):  # it ended before taking the command (an import failed)
        _run_dbt_here(real_dbt)
    pid = int(accepted[len(ACCEPTED) :])  # not the socket's peer: the run's process bound it
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, _frame: os.kill(pid, received))
    code = server.recv(16)
    if not code:
        sys.stderr.write(f"dbt (process {pid}) ended without an exit code: killed?\n")
        sys.exit(1)
    sys.exit(int(code))
