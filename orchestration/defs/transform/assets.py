"""The dbt project as Dagster assets: seeds, staging, intermediate and marts, tested by dbt build."""

import functools
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import dbt.version
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from expectations.background import import_judge_in_background
from ingest.geography import RuhrGeography
from ingest.landing import prepare_raw_tables
from ingest.raw_store import RawStore
from orchestration.defs.resources import PHASE_TAG, DataDirResource
from orchestration.defs.transform.dbt_warm import (
    manifest_current,
    parse_lock,
    start_waiting_dbt,
    stop_waiting_dbt,
    write_launcher,
)
from sozialmonitor.publication import current_inputs, current_version, publication_inputs
from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths
from sozialmonitor.warehouse import built_with, definitions_fingerprint, record_built_with

# dbt is installed beside this interpreter; the venv's bin need not be on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class InstalledDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt command line, without two things it does before every command that a build here
    does not need (together 4-9 s of a night's dbt phase, measured on the 2-core machine): it runs
    `dbt --version` to learn the version, which also asks PyPI for the latest release (the dbt beside
    this interpreter is the installed package: its version is known), and it opens a dbt adapter in
    this process, used only to fetch metadata the platform does not ask for (row counts, column
    schemas; without it the events stream while dbt runs).

    And with dbt started ahead of time (`dbt_warm.py`): when a run sets its resources up, before its
    first step, a process starts that imports dbt and waits; the build's command (`dbt_executable`, the
    relay) hands it its arguments and output. `target_path` is the folder the build's command names,
    `build_variables` the `--vars` it gives: the waiting process parses the project with them."""

    target_path: str
    build_variables: str

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(dbt.version.__version__)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        super().setup_for_execution(context)
        start_waiting_dbt(
            Path(self.target_path), Path(self.project_dir), Path(self.profiles_dir), self.build_variables
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        stop_waiting_dbt(Path(self.target_path))


def dbt_resource(project: DbtProject, paths: DataPaths) -> DbtCliResource:
    launcher = write_launcher(paths.root / "dbt" / "bin", DBT_EXECUTABLE)
    return InstalledDbtCliResource(
        project_dir=project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(launcher),
        target_path=str(paths.dbt_target),
        build_variables=paths.dbt_variables(),
    )


@functools.cache
def dbt_project(paths: DataPaths) -> DbtProject:
    """The dbt project, its manifest parsed into the data directory unless current (`manifest_current`:
    present, newer than the project, whole). Under the target's parse lock: a parse the waiting dbt
    process makes meanwhile (`dbt_warm.start_waiting_dbt`) is waited for, not made again beside it."""
    paths.prepare()
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR, target_path=paths.dbt_target, profiles_dir=DBT_PROJECT_DIR
    )
    with parse_lock(paths.dbt_target):
        if not manifest_current(paths.dbt_target, DBT_PROJECT_DIR):
            parse_manifest(paths)
    return project


def parse_manifest(paths: DataPaths) -> None:
    """`dbt parse` into the data directory, in this process through dbt-core's programmatic entry point
    (`dbtRunner`): a dbt process first spends about 2.5 s importing dbt, of which this process, having
    imported dagster_dbt, already holds most (in process: 0.5 s of imports and the parse; measured on
    the bundled sample, 2 cores). Its arguments are those dagster-dbt gives a dbt process (project,
    profiles, target and log folder, the data directory's variables), so that the build that follows
    finds the partial-parse state it can reuse."""
    from dbt.cli.main import dbtRunner  # dbt's command line: only when the manifest is parsed

    project, target = str(DBT_PROJECT_DIR), str(paths.dbt_target)
    folders = ["--project-dir", project, "--profiles-dir", project]
    folders += ["--target-path", target, "--log-path", target]
    result = dbtRunner().invoke(["parse", "--quiet", *folders, *paths.dbt_vars()])
    if not result.success:
        raise RuntimeError(f"dbt parse failed (see {paths.dbt_target / 'dbt.log'}): {result.exception}")


class SozialmonitorTranslator(DagsterDbtTranslator):
    """Asset keys and groups follow the warehouse: `<schema>/<model>` in the group named for the schema."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dbt_resource_props["config"]["schema"]
        return super().get_group_name(dbt_resource_props)


def kept_as_built(context: dg.AssetExecutionContext) -> list[str]:
    """dbt arguments that leave what a complete build on unchanged definitions would only make again:
    the seeds' tables (the definitions fingerprint covers the seed files, so the reference tables
    already hold them; reloading all 15 took about 1 s of the dbt phase and 30 Dagster events a night)
    and the views (a view is its query, which the fingerprint covers too: it reads the raw store as it
    is now, whatever the night; replacing the 12 views took 12 nodes of the build, and those ahead of
    `int_measures__delivered` held it back). Their Dagster assets keep the materialization of the
    build that last made them. The tests on seeds and views still run, on today's data: `empty`
    keeps the tests `fqn:*` selects from being dropped with the nodes they test (dbt's default,
    eager, drops them). A subset run keeps dagster-dbt's selection, which relies on indirect selection
    for its tests."""
    if context.is_subset:
        return []
    return ["--exclude", "resource_type:seed config.materialized:view", "--indirect-selection", "empty"]


def build_warehouse_models(project: DbtProject) -> dg.AssetsDefinition:
    """Every dbt model and seed as an asset, tested by `dbt build` (its tests become asset checks)."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=SozialmonitorTranslator(),
        op_tags={PHASE_TAG: "dbt"},
    )
    def warehouse_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, data_dir: DataDirResource
    ) -> Iterator[Any]:
        paths = data_dir.paths()
        published = current_inputs(paths)
        if published is not None and published == publication_inputs(paths):
            # nothing landed and nothing was redefined since the current version: no build, and so no
            # gate and no publication (dbt's assets are skippable; everything downstream skips with them)
            context.log.info(f"nothing changed since version {current_version(paths)}: it stays current")
            return
        prepare_raw_tables(RawStore(paths.raw_db, paths.ingest_duckdb_config), RuhrGeography.from_seeds())
        # The models built incrementally by delivery recompute only the periods of new, replaced or
        # removed files; after a change of definitions (or with no complete build before) all of them.
        # Only a build of every model records its definitions (a subset leaves the others as they were).
        definitions = definitions_fingerprint()
        full_refresh = built_with(paths) != definitions
        if full_refresh:
            record_built_with(paths, None)  # a full build that stops halfway is no basis to build on
        # dbt's artifacts and log under the data directory, where `dbt parse` left its partial-parse
        # state: the build re-parses only what changed (runs never overlap, so one folder serves)
        build = dbt.cli(
            ["build", *(["--full-refresh"] if full_refresh else kept_as_built(context)), *paths.dbt_vars()],
            context=context,
            target_path=paths.dbt_target,
        )
        # The gate follows the build in this process: GX loads while dbt, a child process, builds.
        # Started once dbt runs, not before: the import's thread holds the GIL most of its time, and the
        # preparation above (0.2-0.5 s alone) took 0.9-1.1 s beside it, all of it before dbt could start.
        import_judge_in_background()
        yield from build.stream()
        if not context.is_subset:
            record_built_with(paths, definitions)

    return warehouse_models


def mart_keys(warehouse_models: dg.AssetsDefinition) -> list[dg.AssetKey]:
    return [key for key in warehouse_models.keys if key.path[0] == "marts"]
