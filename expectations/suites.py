"""Generate the gate's GX suites from the indicator catalog and keep them as JSON files.

A suite guards one table of the build warehouse (its file is named after the table's relation) and
is written in GX Core 1.x's own serialisation, so GX loads it as it is and a reviewer reads it as it
is. Every expectation carries a `check_name` (the Dagster asset check it becomes) and a severity:
`critical` blocks publication, `warning` is shown but does not.

`sozialmonitor expectations` rewrites the files; a test fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from expectations.catalog import Indicator, load_catalog
from ingest.genesis_format import STATUSES
from ingest.registry import Registry, load_registry

SUITES_DIR = Path(__file__).with_name("suites")
FACT_STATUSES = ("ok", "provisional", "suppressed", "missing")

Expectation = dict[str, Any]
Suite = dict[str, Any]


def expectation(
    check_name: str, kind: str, description: str, severity: str = "critical", **kwargs: Any
) -> Expectation:
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {"check_name": check_name, "description": description},
        "severity": severity,
    }


def where(column: str, value: str) -> dict[str, Any]:
    """A GX row condition `column == value`, in GX's serialised form."""
    return {"column": {"name": column}, "operator": "==", "parameter": value, "type": "comparison"}


def suite(
    relation: str, example_columns: list[str], expectations: list[Expectation], query: str | None = None
) -> Suite:
    """A suite guarding `relation`. `query`, when given, is what GX reads instead of the bare table: the
    table's rows with columns computed from the catalog and the other marts (a recomputed value, a
    lookup), so that cross-table contracts are plain column expectations."""
    return {
        "name": relation,
        "expectations": expectations,
        "meta": {
            "relation": relation,
            "example_columns": example_columns,
            **({"query": " ".join(query.split())} if query else {}),
            "generated_by": "expectations/suites.py from dbt_project/seeds/indicator_catalog.csv",
        },
    }


def fct_indicator_values_suite(catalog: tuple[Indicator, ...]) -> Suite:
    """The fact table's suite: its own columns, the contracts on the query's computed columns, and one
    range (and for a share, one numerator <= denominator) per catalog indicator."""
    return suite(
        "marts.fct_indicator_values",
        ["indicator_id", "area_id", "period", "source_files"],
        query=FACT_QUERY,
        expectations=[
            *_fact_columns(catalog),
            *_fact_recomputed(),
            *_fact_disclosure(),
            *_fact_comparisons(),
            expectation(
                "value_present_when_ok",
                "expect_column_values_to_not_be_null",
                "A row with status ok has a value.",
                column="value",
                row_condition=where("status", "ok"),
            ),
            *_fact_shares(catalog),
            *_fact_value_ranges(catalog),
        ],
    )


def _fact_columns(catalog: tuple[Indicator, ...]) -> list[Expectation]:
    """The table's own columns: its key, its vocabularies, counts that are counts."""
    return [
        expectation(
            "key_unique",
            "expect_compound_columns_to_be_unique",
            "One row per indicator, area and period.",
            column_list=["indicator_id", "area_id", "period"],
        ),
        expectation(
            "indicator_in_catalog",
            "expect_column_values_to_be_in_set",
            "Every indicator is defined in the catalog.",
            column="indicator_id",
            value_set=[indicator.indicator_id for indicator in catalog],
        ),
        expectation(
            "status_known",
            "expect_column_values_to_be_in_set",
            "Status is ok, provisional, suppressed or missing.",
            column="status",
            value_set=list(FACT_STATUSES),
        ),
        expectation(
            "numerator_not_negative",
            "expect_column_values_to_be_between",
            "Numerators are counts: never negative.",
            column="numerator",
            min_value=0,
        ),
        expectation(
            "denominator_positive",
            "expect_column_values_to_be_between",
            "Denominators are reference populations: at least one person.",
            column="denominator",
            min_value=1,
        ),
    ]


def _fact_recomputed() -> list[Expectation]:
    """What the catalog and dim_area say a row must be: its value recomputed, its area known."""
    return [
        expectation(
            "value_matches_numerator_and_denominator",
            "expect_column_pair_values_a_to_be_greater_than_b",
            "The value is the catalog's calculation of numerator and denominator, within rounding.",
            column_A="rounding_tolerance",
            column_B="value_deviation",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        expectation(
            "area_in_dim_area",
            "expect_column_values_to_be_in_set",
            "Every area is in dim_area.",
            column="area_known",
            value_set=[True],
        ),
    ]


def _fact_disclosure() -> list[Expectation]:
    """Statistische Geheimhaltung: no small cell published, no suppressed cell recoverable by sums."""
    return [
        expectation(
            "no_published_cell_below_disclosure_minimum",
            "expect_column_values_to_be_in_set",
            "No published value has a numerator below min_count (except a zero the source printed as "
            "'-') or a denominator below min_denominator.",
            column="below_disclosure_minimum",
            value_set=[False],
        ),
        expectation(
            "no_suppressed_cell_recoverable",
            "expect_column_values_to_be_in_set",
            "No suppressed numerator can be recomputed from the published ones through any chain of "
            "exact sums (a total and its parts, on every level), by an attacker who repeats until "
            "nothing new: a total known and one part unknown gives the part, all parts the total.",
            column="recovered_by_attack",
            value_set=[False],
        ),
    ]


def _fact_comparisons() -> list[Expectation]:
    """Against other figures: the published Bevölkerung and the previous period."""
    return [
        expectation(
            "denominator_agrees_with_population",
            "expect_column_values_to_be_in_set",
            "A denominator that is the population at the same Stichtag equals the published Bevölkerung.",
            column="population_agrees",
            value_set=[True],
        ),
        expectation(
            "plausible_change",
            "expect_column_pair_values_a_to_be_greater_than_b",
            "The change against the previous period is within the catalog's max_change (plausibility); "
            "a change across a declared series break (series_break) is not judged.",
            severity="warning",
            column_A="max_change",
            column_B="change_previous_period",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def _fact_shares(catalog: tuple[Indicator, ...]) -> list[Expectation]:
    """A share counts a part of its reference population: per share indicator, numerator <= denominator."""
    return [
        expectation(
            f"numerator_le_denominator__{indicator.indicator_id}",
            "expect_column_pair_values_a_to_be_greater_than_b",
            f"{indicator.name} counts a part of its reference population: numerator <= denominator.",
            column_A="denominator",
            column_B="numerator",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            row_condition=where("indicator_id", indicator.indicator_id),
        )
        for indicator in catalog
        if indicator.is_share
    ]


def _fact_value_ranges(catalog: tuple[Indicator, ...]) -> list[Expectation]:
    """Per indicator, the catalog's valid range of its value."""
    return [
        expectation(
            f"value_in_range__{indicator.indicator_id}",
            "expect_column_values_to_be_between",
            f"{indicator.name}: value within the catalog's valid range "
            f"[{indicator.valid_min:g}, {indicator.valid_max:g}] {indicator.unit}.",
            column="value",
            min_value=indicator.valid_min,
            max_value=indicator.valid_max,
            row_condition=where("indicator_id", indicator.indicator_id),
        )
        for indicator in catalog
    ]


# The fact table with what its contracts compare against, computed in DuckDB over the full table.
# `attack` is the iterative attacker on the published numerators and the exact sums among them
# (intermediate.int_disclosure_groups, the groups of a total and its parts): every round, a group with
# exactly one unknown member gives it, until a round finds nothing.
FACT_QUERY = """
with recursive attack (indicator_id, area_id, period) using key (indicator_id, area_id, period) as (
    select indicator_id, area_id, period from marts.fct_indicator_values where numerator is not null
    union
    select distinct indicator_id, area_id, period from (
        select groups.indicator_id, groups.period,
            any_value(groups.area_id) filter (where known.area_id is null) as area_id
        from intermediate.int_disclosure_groups as groups
        left join recurring.attack as known using (indicator_id, area_id, period)
        group by groups.indicator_id, groups.period, groups.group_area_id
        having count(*) filter (where known.area_id is null) = 1
    )
)
select facts.*,
    abs(facts.value - case catalog.calculation
        when 'count' then facts.numerator
        when 'ratio' then facts.numerator / facts.denominator * catalog.unit_factor
        else (facts.numerator - facts.denominator) / facts.denominator * catalog.unit_factor
    end) as value_deviation,
    0.5 * pow(10, -catalog.decimals) + 1e-9 as rounding_tolerance,
    facts.area_id in (select area_id from marts.dim_area) as area_known,
    coalesce(facts.status in ('ok', 'provisional') and (facts.numerator < catalog.min_count
        and not coalesce(facts.published_zero, false)
        or (catalog.calculation <> 'count' and facts.denominator < catalog.min_denominator)), false)
        as below_disclosure_minimum,
    facts.status = 'suppressed' and recovered.area_id is not null as recovered_by_attack,
    coalesce(population.numerator = facts.denominator, true) as population_agrees,
    case when not facts.series_break then abs(facts.value - lag(facts.value) over (
        partition by facts.indicator_id, facts.area_id order by facts.period)) end as change_previous_period,
    catalog.max_change
from marts.fct_indicator_values as facts
left join marts.dim_indicator as catalog using (indicator_id)
left join attack as recovered using (indicator_id, area_id, period)
left join marts.fct_indicator_values as population
    on catalog.denominator_measure = 'bev_insgesamt' and catalog.denominator_period = 'same_period'
    and population.indicator_id = 'bevoelkerung' and population.area_id = facts.area_id
    and population.period = facts.period
"""

# Gemeinden the completeness contract expects for every indicator defined at Gemeinde level.
GEMEINDEN = 53
SMALL_AREA_TOLERANCE_PERCENT = 10


def data_availability_suite() -> Suite:
    return suite(
        "marts.mart_data_availability",
        ["indicator_id", "period"],
        query="""
select availability.indicator_id, availability.period,
    count(distinct availability.area_id) as gemeinden_listed,
    count(*) filter (where availability.availability is null) as without_reason
from marts.mart_data_availability as availability
join marts.dim_indicator as catalog using (indicator_id)
where availability.level = 'gemeinde'
    and availability.period = (select max(period) from marts.mart_data_availability as newest
                               where newest.indicator_id = availability.indicator_id)
group by all
""",
        expectations=[
            expectation(
                "every_gemeinde_accounted_for",
                "expect_column_values_to_be_between",
                f"For the newest period each Gemeinde indicator lists all {GEMEINDEN} Gemeinden: "
                "published, or missing/suppressed/late with the reason.",
                column="gemeinden_listed",
                min_value=GEMEINDEN,
                max_value=GEMEINDEN,
            ),
            expectation(
                "every_gap_has_a_reason",
                "expect_column_values_to_be_between",
                "No listed cell without its availability reason.",
                column="without_reason",
                max_value=0,
            ),
        ],
    )


def small_area_reconciliation_suite() -> Suite:
    return suite(
        "marts.mart_small_area_reconciliation",
        ["area_id", "period", "measure_id", "small_area_sum", "official_value"],
        [
            expectation(
                "small_areas_add_up_to_the_city",
                "expect_column_values_to_be_between",
                f"The small areas' sum is within {SMALL_AREA_TOLERANCE_PERCENT} % of the city's official "
                "total (plausibility).",
                severity="warning",
                column="difference_percent",
                min_value=-SMALL_AREA_TOLERANCE_PERCENT,
                max_value=SMALL_AREA_TOLERANCE_PERCENT,
            )
        ],
    )


def stg_genesis_bevoelkerung_suite() -> Suite:
    return suite(
        "staging.stg_genesis__bevoelkerung",
        ["source_file", "source_row", "source_column", "area_key", "stichtag"],
        [
            expectation(
                "anzahl_not_negative",
                "expect_column_values_to_be_between",
                "Population counts are never negative.",
                column="anzahl",
                min_value=0,
            ),
            expectation(
                "status_known",
                "expect_column_values_to_be_in_set",
                "Status is a number (ok) or a GENESIS special symbol.",
                column="status",
                value_set=list(STATUSES),
            ),
            expectation(
                "anzahl_present_when_ok",
                "expect_column_values_to_not_be_null",
                "A cell with status ok holds a number.",
                column="anzahl",
                row_condition=where("status", "ok"),
            ),
        ],
    )


def population_tables_suite() -> Suite:
    """The two population tables come from one Fortschreibung: a Kreis of the Kreis table
    (12411-03-03-4) has exactly the inhabitants of its Gemeinden in the Gemeinde table (12411-02-03-5),
    and a kreisfreie Stadt the same in both. Checked for every Stichtag both tables cover.

    A warning, not a block: the two tables arrive as separate downloads, so a disagreement most often
    means that one of them is newer than the other (a corrected table, a new download of one), and each
    level's figures are right for its own table; the warning names both values and both files, so the
    engineer can bring the older one up to date."""
    return suite(
        "intermediate.int_measures__delivered",
        ["area_id", "period", "kreis_table", "gemeinde_table", "source_files"],
        query="""
with population as (
    select area_id, period, value, source_files from intermediate.int_measures__delivered
    where measure_id = 'bev_insgesamt'
        and source_id in ('genesis_12411_bevoelkerung', 'genesis_12411_bevoelkerung_gemeinden')
),
kreise as (select * from population where length(area_id) = 5),
gemeinden as (select * from population where length(area_id) = 8)
select kreise.area_id, kreise.period, any_value(kreise.value) as kreis_table,
    sum(gemeinden.value) as gemeinde_table, sum(gemeinden.value) - any_value(kreise.value) as difference,
    any_value(kreise.source_files) || ', ' || string_agg(distinct gemeinden.source_files, ', ')
        as source_files
from kreise
join gemeinden on left(gemeinden.area_id, 5) = kreise.area_id and gemeinden.period = kreise.period
group by all
having count(*) = (select count(*) from reference.ruhr_gemeinden where kreis_ags = kreise.area_id)
""",
        expectations=[
            expectation(
                "population_tables_agree",
                "expect_column_values_to_be_between",
                "A Kreis's inhabitants in the Kreis table (12411-03-03-4) equal the sum of its Gemeinden in "
                "the Gemeinde table (12411-02-03-5): both come from the same Fortschreibung.",
                severity="warning",
                column="difference",
                min_value=0,
                max_value=0,
            )
        ],
    )


def rounding_tolerance(source_column: str, period_column: str, registry: Registry) -> str:
    """SQL: how far a count of `source_column`'s source at `period_column` may be from the true count by
    the source's own rounding (the registry's `rounding`): half the base, whole (5 -> 2); 0 if exact."""
    rules = sorted(
        ((source.id, rule) for source in registry.sources for rule in source.rounding),
        key=lambda item: item[1].ab,
        reverse=True,
    )
    cases = " ".join(
        f"when {source_column} = '{source_id}' and {period_column} >= date '{rule.ab.isoformat()}' "
        f"then {rule.base // 2}"
        for source_id, rule in rules
    )
    return f"(case {cases} else 0 end)" if cases else "0"


def mindestsicherung_suite(registry: Registry) -> Suite:
    """Table 22811 publishes each benefit beside its total; the benefit's own statistic (BA SGB II summed
    to the Kreis, 22121 HLU außerhalb von Einrichtungen, 22151 Grundsicherung, 22221 AsylbLG; seed
    mindestsicherung_measures, column `same_as`) must give the same count, up to the two sources'
    rounding. A warning: a difference most often means that one of the downloads has another data
    status (a revised BA month, a corrected table), and the computed Mindestsicherung of later years
    inherits it."""
    tolerance = (
        f"{rounding_tolerance('official.source_id', 'official.period', registry)} + "
        f"{rounding_tolerance('own.source_id', 'own.period', registry)}"
    )
    return suite(
        "intermediate.int_measures",
        ["area_id", "period", "component", "table_22811", "own_statistic", "source_files"],
        query=f"""
select official.area_id, official.period, official.measure_id as component,
    official.value as table_22811, own.value as own_statistic, own.value - official.value as difference,
    abs(own.value - official.value) - ({tolerance}) as difference_beyond_rounding,
    official.source_files || ', ' || own.source_files as source_files
from intermediate.int_measures as official
join reference.mindestsicherung_measures as components on official.measure_id = components.measure_id
join intermediate.int_measures as own
    on own.area_id = official.area_id and own.period = official.period
    and own.measure_id = components.same_as
where official.origin = 'delivered' and components.same_as is not null
""",
        expectations=[
            expectation(
                "mindestsicherung_components_agree",
                "expect_column_values_to_be_between",
                "Each benefit in the Mindestsicherung table 22811 equals the count of its own statistic "
                "(BA SGB II summed to the Kreis, 22121, 22151, 22221) for the same area and Stichtag, up to "
                "the sources' rounding.",
                severity="warning",
                column="difference_beyond_rounding",
                max_value=0,
            )
        ],
    )


def build_suites() -> dict[str, Suite]:
    """Every suite of the gate, keyed by the relation it guards."""
    built = [
        fct_indicator_values_suite(load_catalog()),
        data_availability_suite(),
        small_area_reconciliation_suite(),
        stg_genesis_bevoelkerung_suite(),
        population_tables_suite(),
        mindestsicherung_suite(load_registry()),
    ]
    return {item["name"]: item for item in built}


def render(item: Suite) -> str:
    return json.dumps(item, indent=2, ensure_ascii=False) + "\n"


def write_suites(directory: Path = SUITES_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for relation, item in build_suites().items():
        path = directory / f"{relation}.json"
        path.write_text(render(item), encoding="utf-8")
        written.append(path)
    return written


def read_suites(directory: Path = SUITES_DIR) -> dict[str, Suite]:
    """The committed suites, as Dagster reads them to declare checks (no GX import needed)."""
    suites = {}
    for path in sorted(directory.glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        suites[item["name"]] = item
    return suites
