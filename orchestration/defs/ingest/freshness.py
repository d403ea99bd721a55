"""`delivery_on_time`: a warning on each raw asset whose source has not delivered by its due date.

Dagster's own freshness policies (`dg.FreshnessPolicy.time_window` / `.cron`) judge the time of the
asset's last *materialization*. The raw assets materialise whenever a refresh ingests, whether or not
anything new arrived, so they would look fresh. What matters is the newest *reporting period* in the raw
store against the source's cadence (`sozialmonitor/freshness.py` has the rule), so this is an asset
check computed from the raw store: non-blocking (WARN), with the owner, the newest period and the due
date in its metadata. A late source shows as a failed warning check on its asset in the UI.

The checks run in `nightly_refresh`, which runs every night even when nobody delivered (a delivery
run only happens when a body's files land, which is exactly what a late body does not do; a night with
nothing new runs these checks alone). For the body-delivered tables (`raw/stadt_kleinraum`,
`raw/kommunale_meldungen`) it is one unpartitioned check listing the late bodies. All checks are one
step, `delivery_on_time`, that reads the newest periods once. It follows every raw asset the refresh
ingests, so a night whose ingest step fails (a raw store that cannot be written; a bad file does not
fail it) judges no deadline: that run has failed and published nothing, and its report says "not
judged".
"""

from collections.abc import Iterator

import dagster as dg

from ingest.registry import Source, load_registry
from orchestration.defs.markdown import markdown_table
from orchestration.defs.resources import PHASE_TAG, DataDirResource
from orchestration.keys import raw_asset_key, raw_key
from sozialmonitor.freshness import DEADLINES, DELIVERY_CHECK, DeliveryStatus, delivery_status, today

RULE = "; ".join(f"{cadence}: {deadline.describe()}" for cadence, deadline in DEADLINES.items())


def _row(status: DeliveryStatus) -> dict[str, object]:
    return {
        "source": status.label,
        "owner": status.owner,
        "newest period": status.newest_period or "never delivered",
        "next period": status.next_period or "–",
        "due": status.due or "–",
        "late": "**late**" if status.late else "on time",
    }


def delivery_check_result(key: dg.AssetKey, statuses: list[DeliveryStatus]) -> dg.AssetCheckResult:
    late = [status for status in statuses if status.late]
    shown = late or statuses
    # late: the laggard's newest period and missed due date; on time: the next deadline to come
    newest = [status.newest_period for status in shown if status.newest_period is not None]
    dues = [status.due for status in shown if status.due is not None]
    owners = sorted({status.owner for status in shown})
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=DELIVERY_CHECK,
        passed=not late,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            "; ".join(status.describe() for status in late[:3]) + ("; …" if len(late) > 3 else "")
            if late
            else f"every delivery on time as of {statuses[0].today if statuses else today()}"
        ),
        metadata={
            "owner": dg.MetadataValue.text("; ".join(owners)),
            "newest_period": dg.MetadataValue.text(min(newest).isoformat() if newest else "never delivered"),
            "due": dg.MetadataValue.text(min(dues).isoformat() if dues else "now"),
            "as_of": dg.MetadataValue.text((statuses[0].today if statuses else today()).isoformat()),
            "failing_rows": dg.MetadataValue.int(len(late)),
            "examples": dg.MetadataValue.md(markdown_table([_row(status) for status in shown])),
            "late": dg.MetadataValue.json([status.to_json() for status in late]),
            "rule": dg.MetadataValue.text(RULE),
        },
    )


def _spec(key: dg.AssetKey, sources: list[Source]) -> dg.AssetCheckSpec:
    owners = sorted({source.owner for source in sources})
    cadences = sorted({source.cadence for source in sources})
    own_lags = "".join(
        f"{source.id}: due {source.publication_lag_months} months after its period. "
        for source in sources
        if source.publication_lag_months
    )
    return dg.AssetCheckSpec(
        DELIVERY_CHECK,
        asset=key,
        description=(
            f"The newest delivered reporting period is not overdue ({', '.join(cadences)}: "
            f"{'; '.join(DEADLINES[cadence].describe() for cadence in cadences)}). "
            f"{own_lags}Owner: {'; '.join(owners)}."
        ),
        blocking=False,
        metadata={"owner": "; ".join(owners), "cadence": ", ".join(cadences)},
    )


def build_delivery_checks(assets: dict[dg.AssetKey, list[Source]]) -> dg.AssetChecksDefinition:
    """Every raw asset's `delivery_on_time`, judged in one step from one look at the raw store (one
    query per raw table for every source's newest period), not one step and one look per asset: on a
    night with nothing new they are all the refresh does, and each step costs its events."""
    # the body-delivered tables first, as they ran before the other sources' ingest when each was a step
    order = sorted(assets, key=lambda key: (assets[key][0].lieferant is None, key.to_user_string()))

    @dg.multi_asset_check(
        specs=[_spec(key, assets[key]) for key in order],
        name=DELIVERY_CHECK,
        can_subset=True,  # a body's delivery run leaves its table's check to the refresh
        op_tags={PHASE_TAG: "ingest"},
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, data_dir: DataDirResource
    ) -> Iterator[dg.AssetCheckResult]:
        statuses = delivery_status(data_dir.paths())
        for key in order:
            if dg.AssetCheckKey(key, DELIVERY_CHECK) not in context.selected_asset_check_keys:
                continue
            ids = {source.id for source in assets[key]}
            judged = [status for status in statuses if status.source_id in ids]
            late = [status.describe() for status in judged if status.late]
            if late:  # one record per asset: each is an event written to the instance, and nights add up
                context.log.warning(f"{key.to_user_string()}: {len(late)} late: " + "; ".join(late))
            yield delivery_check_result(key, judged)

    return _checks


def raw_asset_sources() -> dict[dg.AssetKey, list[Source]]:
    """Each raw asset with the sources whose deliveries it holds."""
    assets: dict[dg.AssetKey, list[Source]] = {}
    for source in load_registry().sources:
        assets.setdefault(raw_asset_key(source), []).append(source)
    return assets


def partitioned_delivery_check_keys() -> list[dg.AssetCheckKey]:
    """The checks on the body-delivered tables: not part of their delivery jobs, run by the refresh."""
    tables = load_registry().partitioned()
    return [dg.AssetCheckKey(raw_key(table), DELIVERY_CHECK) for table in tables]


freshness_checks = [build_delivery_checks(raw_asset_sources())]
