"""The Mindestsicherungsquote against a hand calculation from the sample files, under the official
definition (amtliche Sozialberichterstattung B 1): the official total of table 22811-01-01-4 where it is
published (the sample's 22811 ends with 2021), the sum of the 15 official Kreis figures for the Ruhr, and
where 22811 is missing the sum of its four benefits (BA SGB II in December, HLU außerhalb von
Einrichtungen, Grundsicherung, AsylbLG), each from its own file; a benefit missing leaves no value.

The files are read with the platform's readers (their golden tests pin them to real downloads), the
arithmetic is Python's; nothing of the warehouse's SQL is reused.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.genesis import DatencsvFile, table_code
from ingest.geography import RuhrGeography
from ingest.layouts import LEISTUNG, MINDESTSICHERUNG_SGB2, layout
from ingest.registry import load_registry
from orchestration.refresh import run_refresh
from sozialmonitor.export import load
from sozialmonitor.settings import DataPaths
from tests.support import copy_of, published
from tests.test_indicators import ba, population, share

OFFICIAL, COMPUTED = date(2021, 12, 31), date(2023, 12, 31)
INDICATOR = "mindestsicherungsquote"
COLUMNS = {  # source -> the value column the Mindestsicherung counts
    "genesis_22811_mindestsicherung": (LEISTUNG.total, "zusammen"),
    "genesis_22121_hilfe_lebensunterhalt": (
        "Insgesamt",
        "Insgesamt",
        "außerhalb von Einrichtungen",
        "Insgesamt",
    ),
    "genesis_22151_grundsicherung": ("Insgesamt", "Insgesamt", "Insgesamt"),
    "genesis_22221_asylbewerberleistungen": ("Insgesamt", "Insgesamt", "Insgesamt"),
}
BENEFITS = tuple(source for source in COLUMNS if source != "genesis_22811_mindestsicherung")
KREISE = sorted(RuhrGeography.from_seeds().kreis_keys)


def kreis_table(paths: DataPaths, source: str, stichtag: date) -> dict[str, dict[tuple[str, ...], int]]:
    """Area key -> value column -> count, from the source's file of one Stichtag (its total rows)."""
    [path] = (paths.landing / source).glob(f"*_{stichtag.isoformat()}.csv")
    export = DatencsvFile(path, layout(table_code(path)), rounding=load_registry().get(source).rounding_base)
    return {
        row.area_key: dict(zip(export.columns, row.values, strict=True))
        for row in export.rows()
        if row.labels in ((), ("Insgesamt",))
    }


def counted(paths: DataPaths, source: str, stichtag: date) -> dict[str, int]:
    """Area key -> the count the Mindestsicherung takes from the source's table."""
    return {area: cells[COLUMNS[source]] for area, cells in kreis_table(paths, source, stichtag).items()}


def benefits(paths: DataPaths, stichtag: date) -> dict[str, dict[str, int]]:
    """Ruhr Kreis -> its four benefits, each from its own file: SGB II as the BA's December
    Regelleistungsberechtigte summed over the Kreis's Gemeinden."""
    month = ba(paths, f"{stichtag.year}-12")
    tables = {source: counted(paths, source, stichtag) for source in BENEFITS}
    return {
        kreis: {
            "sgb2": sum(
                counts["sgb2_regelleistungsberechtigte"] for ags, counts in month.items() if ags[:5] == kreis
            ),
            **{source: tables[source][kreis] for source in BENEFITS},
        }
        for kreis in KREISE
    }


def quote(paths: DataPaths, area: str, period: date) -> tuple | None:
    rows = published(
        paths,
        "select numerator, denominator, value, status, numerator_origin from marts.fct_indicator_values "
        "where indicator_id = ? and area_id = ? and period = ?",
        [INDICATOR, area, period],
    )
    return rows[0] if rows else None


def expected(numerator: int, denominator: int, origin: str) -> tuple:
    numerator, denominator, value = share(numerator, denominator, 100, 2)
    return numerator, denominator, pytest.approx(value), "ok", origin


@pytest.mark.parametrize("kreis", ["05913", "05170"])  # Dortmund, Kreis Wesel
def test_kreis_quote_is_official_where_published_and_computed_from_its_benefits_where_not(
    refreshed_sample: DataPaths, kreis: str
) -> None:
    official = counted(refreshed_sample, "genesis_22811_mindestsicherung", OFFICIAL)[kreis]
    people = population(refreshed_sample, OFFICIAL, kreis)["total"]
    assert quote(refreshed_sample, kreis, OFFICIAL) == expected(official, people, "published")
    assert not list((refreshed_sample.landing / "genesis_22811_mindestsicherung").glob("*_2023-12-31.csv"))
    computed = sum(benefits(refreshed_sample, COMPUTED)[kreis].values())
    people = population(refreshed_sample, COMPUTED, kreis)["total"]
    assert quote(refreshed_sample, kreis, COMPUTED) == expected(computed, people, "computed")


def test_ruhr_quote_is_the_sum_of_the_official_kreis_figures_or_of_the_computed_ones(
    refreshed_sample: DataPaths,
) -> None:
    assert len(KREISE) == 15
    official = counted(refreshed_sample, "genesis_22811_mindestsicherung", OFFICIAL)
    people = sum(population(refreshed_sample, OFFICIAL, kreis)["total"] for kreis in KREISE)
    assert quote(refreshed_sample, "ruhr", OFFICIAL) == expected(
        sum(official[kreis] for kreis in KREISE), people, "summed"
    )
    computed = sum(sum(parts.values()) for parts in benefits(refreshed_sample, COMPUTED).values())
    people = sum(population(refreshed_sample, COMPUTED, kreis)["total"] for kreis in KREISE)
    assert quote(refreshed_sample, "ruhr", COMPUTED) == expected(computed, people, "computed")


def test_nrw_and_deutschland_only_with_the_official_figure(refreshed_sample: DataPaths) -> None:
    """The platform loads SGB II for the Ruhr's Gemeinden only: above the Ruhr nothing is computed."""
    official = counted(refreshed_sample, "genesis_22811_mindestsicherung", OFFICIAL)
    for area in ("05", "DG"):
        people = population(refreshed_sample, OFFICIAL, area)["total"]
        assert quote(refreshed_sample, area, OFFICIAL) == expected(official[area], people, "published")
        assert quote(refreshed_sample, area, COMPUTED) is None


def test_the_sample_table_is_the_sum_of_the_sample_benefits(refreshed_sample: DataPaths) -> None:
    """As in the real tables (Dortmund 2015: 104311 = 84552 + 1520 + 12629 + 5610): 22811's columns are
    the benefits' own counts, its total their sum, for every Ruhr Kreis and every year it covers."""
    years = sorted(
        int(path.name[14:18])
        for path in (refreshed_sample.landing / "genesis_22811_mindestsicherung").glob("*.csv")
    )
    assert years == list(range(2014, 2022))
    for year in years:
        stichtag = date(year, 12, 31)
        table = kreis_table(refreshed_sample, "genesis_22811_mindestsicherung", stichtag)
        for kreis, parts in benefits(refreshed_sample, stichtag).items():
            assert table[kreis][(MINDESTSICHERUNG_SGB2, "zusammen")] == parts["sgb2"], (kreis, year)
            for source, benefit in zip(BENEFITS, LEISTUNG.parts[1:], strict=True):
                assert table[kreis][(benefit, "zusammen")] == parts[source], (kreis, year, source)
            assert table[kreis][(LEISTUNG.total, "zusammen")] == sum(parts.values()), (kreis, year)


def test_a_missing_benefit_leaves_no_value_not_a_partial_sum(
    refreshed_sample: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dortmund's row taken out of the 2023 AsylbLG table: Dortmund and the Ruhr get no 2023 quote (three
    of four benefits are no Mindestsicherung); Kreis Wesel's is computed as before."""
    before = {area: quote(refreshed_sample, area, COMPUTED) for area in ("05913", "05170", "ruhr")}
    paths = copy_of(refreshed_sample, tmp_path / "data", monkeypatch)
    path = paths.landing / "genesis_22221_asylbewerberleistungen" / "22221-01-01-4_2023-12-31.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if ";05913;" not in line), encoding="utf-8")
    outcome = run_refresh(paths)
    assert outcome.published
    assert before["05913"] is not None and before["ruhr"] is not None
    assert quote(paths, "05913", COMPUTED) is None
    assert quote(paths, "ruhr", COMPUTED) is None
    assert quote(paths, "05170", COMPUTED) == before["05170"]
    assert quote(paths, "05913", OFFICIAL) == quote(refreshed_sample, "05913", OFFICIAL)  # 22811 stays


def test_the_export_says_where_each_numerator_comes_from(refreshed_sample: DataPaths) -> None:
    for period, origin in ((OFFICIAL, "published"), (COMPUTED, "computed")):
        rows = load(refreshed_sample, INDICATOR, "kreis", period).rows
        assert len(rows) == 15 and {row["numerator_origin"] for row in rows} == {origin}
    rows = load(refreshed_sample, INDICATOR, "region").rows
    assert {row["period"].year: row["numerator_origin"] for row in rows} == {
        **{year: "summed" for year in range(2014, 2022)},
        2022: "computed",
        2023: "computed",
    }
