"""`delivery_on_time`: a warning on each raw asset whose source has not delivered by its due date.

Dagster's own freshness policies (`dg.FreshnessPolicy.time_window` / `.cron`) judge the time of the
asset's last *materialization*. The raw assets materialise every night whether or not anything new
arrived, so they would always look fresh. What matters is the newest *reporting period* in the raw
store against the source's cadence (`sozialmonitor/freshness.py` has the rule), so this is an asset
check computed from the raw store: non-blocking (WARN), with the owner, the newest period and the due
date in its metadata. A late source shows as a failed warning check on its asset in the UI.

Each check runs in `nightly_refresh`, which runs every night even when nobody delivered (a delivery
run only happens when a body's files land, which is exactly what a late body does not do). For the
body-delivered tables (`raw/stadt_kleinraum`, `raw/kommunale_meldungen`) it is one unpartitioned check
listing the late bodies.
"""

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


def build_delivery_check(key: dg.AssetKey, sources: list[Source]) -> dg.AssetChecksDefinition:
    ids = {source.id for source in sources}
    owners = sorted({source.owner for source in sources})
    cadences = sorted({source.cadence for source in sources})
    own_lags = "".join(
        f"{source.id}: due {source.publication_lag_months} months after its period. "
        for source in sources
        if source.publication_lag_months
    )

    @dg.asset_check(
        asset=key,
        name=DELIVERY_CHECK,
        description=(
            f"The newest delivered reporting period is not overdue ({', '.join(cadences)}: "
            f"{'; '.join(DEADLINES[cadence].describe() for cadence in cadences)}). "
            f"{own_lags}Owner: {'; '.join(owners)}."
        ),
        blocking=False,
        op_tags={PHASE_TAG: "ingest"},
        metadata={"owner": "; ".join(owners), "cadence": ", ".join(cadences)},
    )
    def _check(context: dg.AssetCheckExecutionContext, data_dir: DataDirResource) -> dg.AssetCheckResult:
        statuses = [status for status in delivery_status(data_dir.paths()) if status.source_id in ids]
        for status in statuses:
            if status.late:
                context.log.warning(f"late: {status.describe()}")
        return delivery_check_result(key, statuses)

    return _check


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


freshness_checks = [build_delivery_check(key, sources) for key, sources in raw_asset_sources().items()]
