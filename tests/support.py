"""Helpers the tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest.registry import Source
from ingest.sample import SOURCE_ID
from sozialmonitor.settings import DATA_DIR_ENV, PROJECT_ROOT, DataPaths


@dataclass(frozen=True)
class CliRefresh:
    paths: DataPaths
    stdout: str
    home: Path
    tmp: Path
    project_files_before: set[str]
    project_files_after: set[str]


def project_files() -> set[str]:
    """Untracked files in the project tree (ignored ones included), minus the venv and caches."""
    listing = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    noise = (".venv/", "__pycache__", ".pytest_cache/", ".ruff_cache/", ".egg-info/")
    return {path for path in listing if not any(part in path for part in noise)}


# A flat-file source of table 12411-01-01-4 (no registered source is delivered as ffcsv), for the tests of
# the flat-file family: its statistic and its additive variable (sex) declared as a registry entry would.
FLAT_SOURCE = Source(
    id="genesis_12411_flat",
    title="Bevölkerung nach Geschlecht (12411-01-01-4), flat file",
    family="genesis_ffcsv",
    statistic="12411",
    additive=("GES",),
    owner="IT.NRW",
    cadence="yearly",
    licence="dl-de/by-2-0",
    file_pattern="*_flat.*",
)


def copy_of(paths: DataPaths, target: Path, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    shutil.copytree(paths.root, target, symlinks=True)  # `current` stays a pointer
    monkeypatch.setenv(DATA_DIR_ENV, str(target))
    copied = DataPaths(target)
    copied.prepare()
    return copied


def population_file(paths: DataPaths, stichtag: str) -> Path:
    return paths.landing / SOURCE_ID / f"12411-03-03-4_{stichtag}.csv"


def change_dortmund_cell(
    path: Path, altersgruppe: str, field: int, text: str, *, consistent: bool = False
) -> tuple[int, str]:
    """Change one cell of Dortmund (05913) in a 12411-03-03-4 file; its line number and old text.

    `text` may use `{original}`. With `consistent=True` the totals that contain the cell change by as
    much (its nationality's and its sex's totals, in its age group and in the total row), so the file
    still adds up in itself and passes the reader: what stops it then is the gate."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    rows = {
        "Insgesamt" if line.split(";")[3] == "Total" else line.split(";")[3]: index
        for index, line in enumerate(lines)
        if line.split(";")[1:2] == ["05913"]
    }
    fields = lines[rows[altersgruppe]].split(";")
    original, fields[field] = fields[field], text.format(original=fields[field])
    lines[rows[altersgruppe]] = ";".join(fields)
    if consistent:
        delta = int(fields[field]) - int(original)
        nationality, sex = divmod(field - 4, 3)
        for index in rows[altersgruppe], rows["Insgesamt"]:
            cells = lines[index].split(";")
            for total in {4 + 3 * nationality + sex, 4 + 3 * nationality, 4 + sex, 4} - {field}:
                cells[total] = str(int(cells[total]) + delta)
            if index == rows["Insgesamt"]:
                cells[field] = str(int(cells[field]) + delta)
            lines[index] = ";".join(cells)
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return rows[altersgruppe] + 1, original


def published(paths: DataPaths, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def staging_table() -> duckdb.DuckDBPyConnection:
    """10 cells: two negative counts (rows 9 and 16, in the first and the last chunk of 4) and one
    unknown status."""
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("""create table staging.stg_genesis__bevoelkerung as
        select 'f.csv' as source_file, i + 7 as source_row, 5 as source_column, '05913000' as area_key,
               date '2023-12-31' as stichtag,
               case when i in (2, 9) then -1 else i end as anzahl,
               case when i = 5 then 'geheim' else 'ok' end as status
        from range(10) t(i)""")
    return con
