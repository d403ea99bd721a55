"""The limits of dbt, the gate and the publication: the same SQL work as plain DuckDB, one connection.

- dbt: the manifest of the platform's own `dbt build` (`<data>/dbt/target/manifest.json`, which holds
  every node's compiled SQL) gives the nodes and `parent_map`; in topological order, in one connection
  on a new `build.duckdb` with a copy of the platform's raw store attached as `raw` (read-only, as
  `profiles.yml` attaches it): each seed `create or replace table … as select * from read_csv(…)` with
  the seed's column types, each model `create or replace view|table <relation> as <compiled SQL>` (its
  own materialisation), each data test `select count(*) from (<compiled SQL>)`. Not done: dbt's
  comments (`persist_docs`, the one post-hook that comments columns), its transactions and renames.
- gate: every suite of `expectations/suites/` as one query over its relation (or the suite's query):
  per expectation `count(*) filter (where <condition>)` of the rows judged and of the rows that fail
  (`expect_column_values_to_be_between`, `…_to_be_in_set`, `…_to_not_be_null`,
  `expect_column_pair_values_a_to_be_greater_than_b`); `expect_compound_columns_to_be_unique` as the
  rows in groups of more than one. Another expectation type stops the bench: it must be translated here.
- publish: the marts copied into a new DuckDB file, then one Parquet file per mart.

Each writes a small JSON beside its output for the bench to compare with the platform.
"""

from __future__ import annotations

import json
import shutil
import time
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from expectations.sql import sql_literal

DBT_RESULT, GATE_RESULT = "bench-dbt.json", "bench-gate.json"
FACT_TABLE = "marts.fct_indicator_values"
UNIQUE = "expect_compound_columns_to_be_unique"


def _nodes_in_order(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("seed", "model", "test")
    }
    graph = {
        unique_id: [parent for parent in manifest["parent_map"].get(unique_id, []) if parent in nodes]
        for unique_id in nodes
    }
    return [nodes[unique_id] for unique_id in TopologicalSorter(graph).static_order()]


def _seed_sql(node: dict[str, Any]) -> str:
    path = Path(node["root_path"], node["original_file_path"])
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in node["config"]["column_types"].items())
    delimiter = node["config"].get("delimiter") or ","
    return (
        f"create or replace table {node['relation_name']} as select * from read_csv('{path}', "
        f"header = true, delim = '{delimiter}', types = {{{types}}})"
    )


def run_limit_dbt(manifest_path: Path, raw_copy: Path, build_db: Path) -> None:
    """Executed in the child process: build `build_db` from the compiled SQL of `manifest_path`."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    build_db.unlink(missing_ok=True)
    seconds = {"seed": 0.0, "model": 0.0, "test": 0.0}
    failing_tests = []
    with duckdb.connect(str(build_db)) as con:
        con.execute(f"attach '{raw_copy}' as raw (read_only)")
        schemas = set()
        for node in _nodes_in_order(manifest):
            started, kind = time.perf_counter(), node["resource_type"]
            if kind != "test" and (node["database"], node["schema"]) not in schemas:
                con.execute(f'create schema if not exists "{node["database"]}"."{node["schema"]}"')
                schemas.add((node["database"], node["schema"]))
            if kind == "seed":
                con.execute(_seed_sql(node))
            elif kind == "model":
                materialized = "view" if node["config"]["materialized"] == "view" else "table"
                con.execute(
                    f"create or replace {materialized} {node['relation_name']} as {node['compiled_code']}"
                )
            else:
                [(failures,)] = con.execute(f"select count(*) from ({node['compiled_code']})").fetchall()
                if failures:
                    failing_tests.append(node["name"])
            seconds[kind] += time.perf_counter() - started
        [(facts,)] = con.execute(f"select count(*) from {FACT_TABLE}").fetchall()
    result = {"seconds": seconds, "fact_rows": facts, "failing_tests": failing_tests}
    (build_db.parent / DBT_RESULT).write_text(json.dumps(result, indent=1), encoding="utf-8")


def _condition(kwargs: dict[str, Any]) -> str:
    condition = kwargs.get("row_condition")
    if condition is None:
        return "true"
    if condition.get("type") != "comparison" or condition.get("operator") != "==":
        raise NotImplementedError(f"row condition {condition}: translate it in bench/limit_warehouse.py")
    return f'"{condition["column"]["name"]}" = {sql_literal(condition["parameter"])}'


def _between(column: str, kwargs: dict[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    outside = []
    if low is not None:
        outside.append(f"{column} {'<=' if kwargs.get('strict_min') else '<'} {sql_literal(low)}")
    if high is not None:
        outside.append(f"{column} {'>=' if kwargs.get('strict_max') else '>'} {sql_literal(high)}")
    return f"{column} is not null and ({' or '.join(outside) or 'false'})"


def failing(item: dict[str, Any]) -> str:
    """SQL true for the rows a row-local expectation counts as unexpected (within its row condition)."""
    kind, kwargs = item["type"], item["kwargs"]
    column = f'"{kwargs["column"]}"' if "column" in kwargs else ""
    if kind == "expect_column_values_to_be_between":
        unexpected = _between(column, kwargs)
    elif kind == "expect_column_values_to_be_in_set":
        values = ", ".join(sql_literal(value) for value in kwargs["value_set"])
        unexpected = f"{column} is not null and {column} not in ({values})"
    elif kind == "expect_column_values_to_not_be_null":
        unexpected = f"{column} is null"
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = f'"{kwargs["column_A"]}"', f'"{kwargs["column_B"]}"'
        operator = ">=" if kwargs.get("or_equal") else ">"
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        either = ignore == "either_value_is_missing"
        skip = f"{a} is null or {b} is null" if either else f"{a} is null and {b} is null"
        unexpected = f"not ({skip}) and not coalesce({a} {operator} {b}, false)"
    else:
        raise NotImplementedError(f"expectation type {kind}: translate it in bench/limit_warehouse.py")
    return f"({_condition(kwargs)}) and ({unexpected})"


def _unique_sql(source: str, item: dict[str, Any]) -> str:
    columns = ", ".join(f'"{name}"' for name in item["kwargs"]["column_list"])
    present = " or ".join(f'"{name}" is not null' for name in item["kwargs"]["column_list"])
    return (
        f"select coalesce(sum(n), 0) from (select count(*) as n from {source} "
        f"where ({_condition(item['kwargs'])}) and ({present}) group by {columns} having count(*) > 1)"
    )


def validate_suite(con: duckdb.DuckDBPyConnection, suite: dict[str, Any]) -> dict[str, int]:
    """check name -> rows that fail it, for one suite."""
    meta = suite["meta"]
    source = f"({meta['query']}) as relation" if "query" in meta else meta["relation"]
    unexpected: dict[str, int] = {}
    row_local = [item for item in suite["expectations"] if item["type"] != UNIQUE]
    if row_local:
        counts = ", ".join(
            f"count(*) filter (where {_condition(item['kwargs'])}), count(*) filter (where {failing(item)})"
            for item in row_local
        )
        [row] = con.execute(f"select {counts} from {source}").fetchall()
        for index, item in enumerate(row_local):
            unexpected[item["meta"]["check_name"]] = row[2 * index + 1]
    for item in suite["expectations"]:
        if item["type"] == UNIQUE:
            [(count,)] = con.execute(_unique_sql(source, item)).fetchall()
            unexpected[item["meta"]["check_name"]] = int(count)
    return unexpected


def run_limit_gate(build_db: Path, raw_copy: Path, suites_dir: Path) -> None:
    """Executed in the child process: every suite's checks as SQL counts on `build_db`."""
    results = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        con.execute(f"attach '{raw_copy}' as raw (read_only)")
        for path in sorted(suites_dir.glob("*.json")):
            suite = json.loads(path.read_text(encoding="utf-8"))
            results[suite["name"]] = validate_suite(con, suite)
    (build_db.parent / GATE_RESULT).write_text(json.dumps(results, indent=1), encoding="utf-8")


def run_limit_publish(build_db: Path, folder: Path) -> None:
    """Executed in the child process: the marts into `folder/warehouse.duckdb` and one Parquet each."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        con.execute(f"attach '{build_db}' as build (read_only)")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'build' "
                "and schema_name = 'marts' order by all"
            ).fetchall()
        ]
        con.execute("create schema marts")
        for table in tables:
            con.execute(f"create table marts.{table} as from build.marts.{table}")
        con.execute("detach build")
        for table in tables:
            con.execute(f"copy marts.{table} to '{folder / f'marts.{table}.parquet'}' (format parquet)")
        con.execute("checkpoint")
