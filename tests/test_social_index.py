"""The social index against a hand calculation from the sample files, on every level it is built for.

The indicator values are computed here from the landing files (BA workbooks, the GENESIS Gemeinde
table, the cities' small-area files) as the readers return them; the z-scores, weighted means, the
second standardisation, the classes and the robustness counts with nothing but Python's `statistics`,
the weights and bounds read from the seeds. None of the warehouse's SQL is reused.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

from expectations.catalog import load_catalog
from ingest.ba_xlsx import BaWorkbook
from ingest.city_csv import CityCsvFile
from ingest.city_mapping import load_city_mappings
from ingest.genesis import DatencsvFile
from ingest.geography import RuhrGeography
from ingest.layouts import layout
from sozialmonitor.settings import DBT_PROJECT_DIR, DataPaths
from tests.support import published

NOW, BEFORE = date(2023, 12, 31), date(2021, 12, 31)
SEEDS = DBT_PROJECT_DIR / "seeds"
Values = dict[str, dict[str, float]]  # indicator -> area -> value


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def weights(component: str) -> dict[str, float]:
    return {
        row["indicator_id"]: float(row["weight"])
        for row in seed("social_index_weights")
        if row["component"] == component
    }


def rules() -> dict[str, float]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return {name.removeprefix("social_index_"): value for name, value in project["vars"].items()}


def classify(component: str, index: float) -> str:
    for row in seed("social_index_classes"):
        if row["component"] != component:
            continue
        low, high = row["lower_bound"], row["upper_bound"]
        if (low == "" or index >= float(low)) and (high == "" or index < float(high)):
            return row["class_label"]
    raise AssertionError(f"no class for {index}")


def share(numerator: int, denominator: int) -> float:
    """Per 100, rounded to the catalog's 2 decimals half away from zero, as a person rounds (and DuckDB):
    Python's round() would give 28.12 for 28.125."""
    exact = Decimal(numerator * 100) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------------------- values from the files


def gemeinde_values(paths: DataPaths, stichtag: date) -> Values:
    """The three index indicators of the 53 Gemeinden: BA counts of December over the Gemeinde table."""
    ruhr = RuhrGeography.from_seeds().gemeinde_keys
    counts = defaultdict(dict)
    for row in BaWorkbook(
        paths.landing / "ba_gemeindedaten" / f"gemeindedaten_nrw_{stichtag:%Y-%m}.xlsx"
    ).rows():
        counts[row.area_key][row.measure] = row.anzahl
    bands: dict[str, dict[int, int]] = defaultdict(dict)
    table = paths.landing / "genesis_12411_bevoelkerung_gemeinden" / f"12411-02-03-5_{stichtag}.csv"
    export = DatencsvFile(table, layout("12411-02-03-5"))
    for row in export.rows():
        for (sex, age), value in zip(export.columns, row.values, strict=True):
            if sex == "Insgesamt" and age != "Insgesamt":
                bands[row.area_key][0 if age.startswith("unter") else int(age.split()[0])] = value
    values: Values = defaultdict(dict)
    for ags in ruhr:
        ba, ages = (
            counts[ags],
            bands[ags[:5] if ags.endswith("000") else ags],
        )  # a kreisfreie Stadt: its Kreis key

        def band(low: int, high: int = 999, ages: dict[int, int] = ages) -> int:
            return sum(count for start, count in ages.items() if low <= start < high)

        values["arbeitslosenanteil"][ags] = share(
            ba["arbeitslose_sgb2"] + ba["arbeitslose_sgb3"], band(15, 65)
        )
        values["transferbezug_quote"][ags] = share(
            ba["sgb2_regelleistungsberechtigte"] - ba["arbeitslose_sgb2"], band(0)
        )
        values["sgb2_quote_unter_15"][ags] = share(ba["sgb2_nef_unter_15"], band(0, 15))
    return values


def small_area_values(paths: DataPaths, level: str, stichtag: date) -> Values:
    """The three index indicators of every small area of one level, from the cities' files."""
    values: Values = defaultdict(dict)
    for mapping in load_city_mappings():
        for path in sorted((paths.landing / mapping.source_id).iterdir()):
            reader = CityCsvFile(path, mapping)
            counts: dict[str, dict[str, int]] = defaultdict(dict)
            for row in reader.rows():
                if row.stichtag == stichtag:
                    counts[f"{mapping.ags}-{row.area_code}"][row.measure] = row.anzahl
            if reader.level != level:
                continue
            for area, c in counts.items():
                values["arbeitslosenanteil"][area] = share(c["arbeitslose"], c["bev_15_bis_64"])
                values["transferbezug_quote"][area] = share(
                    c["sgb2_regelleistungsberechtigte"] - c["arbeitslose_sgb2"], c["bev_insgesamt"]
                )
                values["sgb2_quote_unter_15"][area] = share(c["sgb2_unter_15"], c["bev_unter_15"])
    return values


def values_of(paths: DataPaths, level: str, stichtag: date) -> Values:
    return (
        gemeinde_values(paths, stichtag) if level == "gemeinde" else small_area_values(paths, level, stichtag)
    )


# ---------------------------------------------------------------------------------- the hand calculation


def index(values: Values, weight: dict[str, float]) -> dict[str, float]:
    """z per indicator over the level, weighted mean where the weight covered is enough, standardised again,
    rounded as published."""
    polarity = {indicator.indicator_id: indicator.polarity for indicator in load_catalog()}
    z: Values = {}
    for indicator, per_area in values.items():
        mean, sd = statistics.mean(per_area.values()), statistics.stdev(per_area.values())
        sign = -1 if polarity[indicator] == "higher_is_better" else 1
        z[indicator] = {area: (value - mean) / sd * sign for area, value in per_area.items()}
    raw = {}
    for area in set().union(*(per_area for per_area in z.values())):
        present = [indicator for indicator in weight if area in z[indicator]]
        if sum(weight[i] for i in present) / sum(weight.values()) >= rules()["min_weight_share"]:
            raw[area] = sum(weight[i] * z[i][area] for i in present) / sum(weight[i] for i in present)
    mean, sd = statistics.mean(raw.values()), statistics.stdev(raw.values())
    return {area: round((value - mean) / sd, 3) for area, value in raw.items()}


def change(now: Values, before: Values) -> Values:
    return {
        indicator: {
            area: value - before[indicator][area]
            for area, value in per_area.items()
            if area in before[indicator]
        }
        for indicator, per_area in now.items()
    }


def mart(paths: DataPaths, level: str, period: date) -> dict[str, tuple]:
    rows = published(
        paths,
        """select area_id, status_index, status_class, dynamik_index, dynamik_class, status_dynamik
           from marts.mart_social_area_index where level = ? and period = ?""",
        [level, period],
    )
    return {row[0]: row[1:] for row in rows}


LEVELS = [("gemeinde", 53), ("stadtbezirk", 6 + 12 + 7 + 9 + 5), ("stadtteil", 50)]


@pytest.mark.parametrize(("level", "areas"), LEVELS)
def test_status_and_dynamics_equal_the_hand_calculation(
    refreshed_sample: DataPaths, level: str, areas: int
) -> None:
    now, before = values_of(refreshed_sample, level, NOW), values_of(refreshed_sample, level, BEFORE)
    facts = published(
        refreshed_sample,
        """select indicator_id, area_id, value
           from marts.fct_indicator_values join marts.dim_area using (area_id)
           where level = ? and period = ?
             and indicator_id in (select indicator_id from marts.dim_social_index_weights)""",
        [level, NOW],
    )
    # the index is built from the published values, and they are the files' (Transferbezug included)
    assert {(indicator, area): value for indicator, area, value in facts} == pytest.approx(
        {(indicator, area): value for indicator, per_area in now.items() for area, value in per_area.items()}
    )
    status, dynamik = index(now, weights("status")), index(change(now, before), weights("dynamik"))
    result = mart(refreshed_sample, level, NOW)
    assert len(result) == len(status) == len(dynamik) == areas
    for area, (status_index, status_class, dynamik_index, dynamik_class, overlay) in result.items():
        assert status_index == pytest.approx(status[area], abs=1.1e-3), area
        assert dynamik_index == pytest.approx(dynamik[area], abs=1.1e-3), area
        assert (status_class, dynamik_class) == (
            classify("status", status_index),
            classify("dynamik", dynamik_index),
        )
        assert overlay == f"{status_class} / {dynamik_class}"


def test_classes_follow_absolute_bounds_not_quantiles(refreshed_sample: DataPaths) -> None:
    """Class sizes are whatever the bounds give: here unequal and unlike any split into equal groups."""
    status = index(values_of(refreshed_sample, "gemeinde", NOW), weights("status"))
    by_bounds: dict[str, int] = defaultdict(int)
    for value in status.values():
        by_bounds[classify("status", value)] += 1
    counted = dict(
        published(
            refreshed_sample,
            """select status_class, count(*) from marts.mart_social_area_index
               where level = 'gemeinde' and period = ? group by all""",
            [NOW],
        )
    )
    assert counted == dict(by_bounds)
    classes = len([row for row in seed("social_index_classes") if row["component"] == "status"])
    equal_groups = sorted(len(status) // classes + (rank < len(status) % classes) for rank in range(classes))
    assert sorted(counted.values()) != equal_groups and len(set(counted.values())) > 1


def test_no_nationality_and_no_overlap_with_the_unemployed_in_the_index(refreshed_sample: DataPaths) -> None:
    catalog = {indicator.indicator_id: indicator for indicator in load_catalog()}
    weighted = {(row["component"], row["indicator_id"]) for row in seed("social_index_weights")}
    assert weighted == {
        (component, indicator)
        for component, indicator, _ in published(
            refreshed_sample, "select component, indicator_id, weight from marts.dim_social_index_weights"
        )
    }
    for _, indicator in weighted:
        assert (
            catalog[indicator].polarity != "neutral"
            and catalog[indicator].numerator_measure != "bev_auslaender"
        )
    assert {indicator for _, indicator in weighted}.isdisjoint({"auslaenderanteil", "sgb2_quote"})
    # the unemployed count once: the Transferbezug is the recipients minus the unemployed in SGB II
    derived = {
        (row["component_measure"], int(row["sign"]))
        for row in seed("derived_measures")
        if row["measure_id"] == catalog["transferbezug_quote"].numerator_measure
    }
    assert derived == {("sgb2_regelleistungsberechtigte", 1), ("arbeitslose_sgb2", -1)}


def test_without_a_value_two_years_before_there_is_no_dynamics(refreshed_sample: DataPaths) -> None:
    """The sample starts 31.12.2014: the dynamics start 31.12.2016; before, the note says why."""
    rows = published(
        refreshed_sample,
        """select period, count(status_index), count(dynamik_index), any_value(note)
           from marts.mart_social_area_index where level = 'gemeinde' and period <= date '2016-12-31'
           group by all order by period""",
    )
    assert [row[:3] for row in rows] == [
        (date(2014, 12, 31), 53, 0),
        (date(2015, 12, 31), 53, 0),
        (date(2016, 12, 31), 53, 53),
    ]
    assert "seit dem 31.12.2012" in rows[0][3] and "seit dem 31.12.2013" in rows[1][3]


@pytest.mark.parametrize("level", [level for level, _ in LEVELS])
def test_robustness_counts_equal_the_hand_calculation(refreshed_sample: DataPaths, level: str) -> None:
    now, before = values_of(refreshed_sample, level, NOW), values_of(refreshed_sample, level, BEFORE)
    inputs = {"status": now, "dynamik": change(now, before)}
    variation = rules()["weight_variation"]
    expected = {}
    for component, values in inputs.items():
        basis = weights(component)
        classes = {area: classify(component, value) for area, value in index(values, basis).items()}
        for indicator in basis:
            for factor in (1 - variation, 1 + variation):
                varied = index(values, {**basis, indicator: basis[indicator] * factor})
                changed = sum(classify(component, value) != classes[area] for area, value in varied.items())
                expected[(component, indicator, round(factor, 2))] = (len(varied), changed)
    rows = published(
        refreshed_sample,
        """select component, varied_indicator, round(weight_factor, 2), areas_classified, areas_changed
           from marts.mart_social_index_robustness where level = ? and period = ?""",
        [level, NOW],
    )
    assert {(c, i, f): (n, k) for c, i, f, n, k in rows} == expected
