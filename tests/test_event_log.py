"""The data directory's event log (orchestration/event_log.py): Dagster's SQLite files, written faster.

A run's events must read back the same through Dagster's own storage (the UI of an instance without
our dagster.yaml, a future Dagster), and the relaxed sync must only be used where SQLite keeps the file
consistent with it: in WAL mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage as DagsterStorage

from orchestration.event_log import SqliteEventLogStorage
from orchestration.refresh import instance_for
from sozialmonitor.settings import DataPaths

CHECKS = 5


@dg.asset
def counted() -> int:
    return 1


@dg.multi_asset_check(specs=[dg.AssetCheckSpec(name=f"check_{i}", asset="counted") for i in range(CHECKS)])
def counted_checks() -> Iterator[dg.AssetCheckResult]:
    for i in range(CHECKS):
        yield dg.AssetCheckResult(asset_key="counted", check_name=f"check_{i}", passed=i != 2)


def test_a_run_reads_back_the_same_through_dagsters_own_storage(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    paths.prepare()
    job = dg.Definitions(
        assets=[counted], asset_checks=[counted_checks], executor=dg.in_process_executor
    ).resolve_implicit_global_asset_job_def()
    with instance_for(paths) as instance:
        assert isinstance(instance.event_log_storage, SqliteEventLogStorage)
        for _ in range(2):  # a second run on the kept connections of the first
            run_id = job.execute_in_process(instance=instance, raise_on_error=False).run_id
        ours = [entry.dagster_event_type for entry in instance.all_logs(run_id)]
        with instance.event_log_storage.index_connection() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
    stock = DagsterStorage(str(paths.dagster_home / "history" / "runs"))
    assert [entry.dagster_event_type for entry in stock.get_logs_for_run(run_id)] == ours
    evaluations = [
        entry.dagster_event.event_specific_data
        for entry in stock.get_logs_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    ]
    assert [(item.check_name, item.passed) for item in evaluations] == [
        (f"check_{i}", i != 2) for i in range(CHECKS)
    ]
    # every check of both runs is in the index, where the UI's asset pages read them
    with stock.index_connection() as conn:
        assert conn.exec_driver_sql("select count(*) from asset_check_executions").scalar() == 2 * CHECKS


def test_a_new_runs_file_is_the_one_dagster_creates(tmp_path: Path) -> None:
    """Each run's file is copied from one made by Dagster's own schema creation: the same tables,
    indexes, migration stamp and journal mode as a file Dagster's storage creates itself."""
    ours, stock = SqliteEventLogStorage(str(tmp_path / "ours")), DagsterStorage(str(tmp_path / "stock"))
    schemas = []
    for storage in (ours, ours, stock):  # the second run's file is a copy of the first one's
        run_id = f"run-{len(schemas)}"
        with storage.run_connection(run_id) as conn:
            schemas.append(
                (
                    conn.exec_driver_sql("select type, name, sql from sqlite_master order by 2").fetchall(),
                    conn.exec_driver_sql("select version_num from alembic_version").fetchall(),
                    conn.exec_driver_sql("pragma journal_mode").scalar(),
                )
            )
    assert schemas[0] == schemas[1] == schemas[2]
    assert schemas[0][2] == "wal" and len(schemas[0][0]) > 5
    assert sorted(ours.get_all_run_ids()) == ["run-0", "run-1"]  # no scratch file left beside them
