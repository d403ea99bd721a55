"""The nightly refresh: ingest, dbt build, the gate, publish — the whole warehouse in one run."""

import dagster as dg

nightly_refresh = dg.define_asset_job(
    name="nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest landed sources, build the warehouse with dbt, validate it with GX, publish it.",
)
