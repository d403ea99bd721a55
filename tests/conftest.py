"""Shared fixtures. Every test that writes gets its own data directory under tmp_path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from sozialmonitor.freshness import FRESHNESS_DATE_ENV
from sozialmonitor.settings import DATA_DIR_ENV, DataPaths
from tests.landing_support import Landing
from tests.smtp_sink import smtp_server  # noqa: F401 - the fixture, for every test module
from tests.support import CliRefresh, project_files

SCRATCH = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """A scratch data directory for the tests that ask the environment (as the command line does): the
    project's ./data is the user's, not the tests'."""
    scratch = Path(tempfile.mkdtemp(prefix="sozialmonitor-tests-"))
    config.stash[SCRATCH] = scratch
    os.environ[DATA_DIR_ENV] = str(scratch / "data")
    # Delivery deadlines are judged against a fixed day on which the sample (2014–2023) is on time, so
    # that the refreshes' checks do not depend on the calendar; tests of lateness set their own day.
    os.environ[FRESHNESS_DATE_ENV] = "2024-03-31"


# A test that uses one of these runs a whole refresh, or the session's refreshed sample (one refresh).
REFRESHING_FIXTURES = {"cli_refresh", "refreshed_sample"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` what needs a whole refresh: by its fixtures here, by hand where a test refreshes itself."""
    for item in items:
        if REFRESHING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_unconfigure(config: pytest.Config) -> None:
    scratch = config.stash.get(SCRATCH, None)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def defs() -> dg.Definitions:
    """The code location for the scratch data directory (the dbt manifest is parsed into it once)."""
    return build_definitions(DataPaths.from_env())


@pytest.fixture
def data_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    paths = DataPaths.from_env()
    paths.prepare()
    return paths


@pytest.fixture(scope="session")
def cli_refresh(tmp_path_factory: pytest.TempPathFactory) -> CliRefresh:
    """`sozialmonitor sample` and `sozialmonitor refresh` as a person runs them, once per session, with
    an empty HOME and TMPDIR. Treat the result as read-only: tests that change data copy it with `copy_of`."""
    root = tmp_path_factory.mktemp("refreshed")
    home, tmp = root / "home", root / "tmp"
    home.mkdir()
    tmp.mkdir()
    paths = DataPaths(root / "data")
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), DATA_DIR_ENV: str(paths.root)}
    for name in ("DAGSTER_HOME", "DBT_TARGET_PATH", "DBT_LOG_PATH", "DBT_PROFILES_DIR"):
        env.pop(name, None)
    before = project_files()
    cli = [sys.executable, "-m", "sozialmonitor.cli"]
    subprocess.run([*cli, "sample"], env=env, check=True, capture_output=True)
    run = subprocess.run([*cli, "refresh"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr[-5000:]
    return CliRefresh(paths, run.stdout, home, tmp, before, project_files())


@pytest.fixture(scope="session")
def refreshed_sample(cli_refresh: CliRefresh) -> DataPaths:
    return cli_refresh.paths


@pytest.fixture
def landed(tmp_path: Path) -> Landing:
    """A data directory of its own to land files in (tests/test_landing_*.py)."""
    return Landing(tmp_path / "data")


@pytest.fixture
def postgres_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new database on the test PostgreSQL server (.ci/postgres.sh starts one; without it the test is
    skipped), named in the settings the production instance reads; dropped afterwards."""
    host = os.environ.get("SOZIALMONITOR_TEST_POSTGRES_HOST")
    if not host:
        pytest.skip("no test PostgreSQL server: `.ci/run` starts one (or `source .ci/postgres.sh`)")
    import psycopg2

    coordinates = {
        "host": host,
        "port": os.environ["SOZIALMONITOR_TEST_POSTGRES_PORT"],
        "user": os.environ["SOZIALMONITOR_TEST_POSTGRES_USER"],
    }
    name = f"sozialmonitor_{uuid.uuid4().hex[:12]}"
    server = psycopg2.connect(dbname="postgres", **coordinates)
    server.autocommit = True
    server.cursor().execute(f"create database {name}")
    for setting, value in (("HOST", host), ("PORT", coordinates["port"]), ("USER", coordinates["user"])):
        monkeypatch.setenv(f"SOZIALMONITOR_POSTGRES_{setting}", value)
    monkeypatch.setenv("SOZIALMONITOR_POSTGRES_DB", name)
    monkeypatch.delenv("SOZIALMONITOR_POSTGRES_PASSWORD", raising=False)
    yield name
    server.cursor().execute(f"drop database {name} with (force)")
    server.close()
