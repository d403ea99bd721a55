"""The real GENESIS tables the platform reads, one entry per table, keyed by the table code.

Each layout is copied from a real regionalstatistik.de download (web downloads of 10.10.2017, kept in the
public repository datenguide/genesapi-data, commit 75112493, folder `src/`; data licence dl-de/by-2-0,
© Statistische Ämter des Bundes und der Länder): the title, the regional depth, the unit, where the
Stichtag stands, and the labels of every dimension with the table's real age groups.

- Population: at Kreis depth (12411-03-03-4) 21 age groups by sex and nationality; at Gemeinde depth
  (12411-02-03-5) 17 wider age groups by sex only, laid out with the Stichtag above the columns.
  Regionalstatistik has no Gemeinde table with nationality (its 12411 tables at Gemeinde depth are by sex,
  age and average age only: table list of the Regionaldatenbank as of 2024-02-20 in CorrelAid/pystatis,
  `src/pystatis/data/regioDB_tables.csv`).
- Grundsicherung im Alter und bei Erwerbsminderung (22151): until 2014 table 22151-01-01-4 with the age
  groups "unter 65" / "ab 65"; from 2015 table 22151-01-02-4 with "18 Jahre bis unter die Altersgrenze" /
  "Altersgrenze und älter" and the Berichtsjahr (`2016`) in place of the Stichtag. From the Berichtsjahr 2012
  the statistic counts "im Alter" from the Altersgrenze of § 41 Abs. 2 SGB XII even where the old table still
  labels it "ab 65 Jahren" (Statistisches Bundesamt, "Grundsicherung: Anhebung der Altersgrenze ab dem
  Berichtsjahr 2012"; IT.NRW's footnote "ab 2012: ... die die Altersgrenze nach § 41 Absatz 2 SGB XII
  überschritten haben"). Its Länder are counted
  where the provider sits and its Kreise where the recipients live, so Kreise do not add up to their Land
  (the table's own footnote); by that footnote Deutschland would equal its Länder, but the 2017 download
  has Deutschland on 31.12.2008 one male recipient outside institutions above the sum of its Länder, so
  no area sum is checked for 22151.

Not seen in a real file: an API answer (`format=datencsv`) of any of these tables. The reader accepts the
API's differences reported in issue 10 (first line `Tabelle: …`, ISO dates, `Total`, `Ausländer/-innen`)
on top of these layouts.
"""

from __future__ import annotations

from ingest.genesis_format import DatencsvLayout, Dimension

GENESAPI_DATA = "datenguide/genesapi-data@75112493 src/{}_00.csv (regionalstatistik.de, Stand 10.10.2017)"

ALTERSGRUPPEN_21 = (
    "unter 3 Jahre",
    "3 bis unter 6 Jahre",
    "6 bis unter 10 Jahre",
    "10 bis unter 15 Jahre",
    "15 bis unter 18 Jahre",
    "18 bis unter 20 Jahre",
    "20 bis unter 25 Jahre",
    "25 bis unter 30 Jahre",
    "30 bis unter 35 Jahre",
    "35 bis unter 40 Jahre",
    "40 bis unter 45 Jahre",
    "45 bis unter 50 Jahre",
    "50 bis unter 55 Jahre",
    "55 bis unter 60 Jahre",
    "60 bis unter 65 Jahre",
    "65 bis unter 70 Jahre",
    "70 bis unter 75 Jahre",
    "75 bis unter 80 Jahre",
    "80 bis unter 85 Jahre",
    "85 bis unter 90 Jahre",
    "90 Jahre und mehr",
)
# The Gemeinde table's 17 groups: the first 15 as above, then two wide ones.
ALTERSGRUPPEN_17 = (*ALTERSGRUPPEN_21[:15], "65 bis unter 75 Jahre", "75 Jahre und mehr")

GESCHLECHT = Dimension("geschlecht", "Geschlecht", ("männlich", "weiblich"))
NATIONALITAET = Dimension("nationalitaet", "Nationalität", ("Deutsche", "Ausländer"))
ORT = Dimension("ort", "Ort der Leistungserbringung", ("außerhalb von Einrichtungen", "in Einrichtungen"))
# 22151 counts people whose sex or nationality is not stated in the totals only: from 2020 they are
# assigned a sex at random (IT.NRW, Empfängerinnen und Empfänger von Grundsicherung im Alter und bei
# Erwerbsminderung, notes to the table of 31.12.2021), and the 2017 download has Deutschland on 31.12.2012
# with 415,568 male recipients, 415,567 of them German or foreign. So the parts may fall short of the total.
GRUSI_GESCHLECHT = Dimension("geschlecht", "Geschlecht", ("männlich", "weiblich"), remainder=True)
GRUSI_NATIONALITAET = Dimension("nationalitaet", "Nationalität", ("Deutsche", "Ausländer"), remainder=True)
GRUSI_ALTER_BIS_2014 = Dimension(
    "altersgruppe",
    "Altersgruppe",
    ("voll erwerbsgeminderte Personen unter 65 Jahren", "Personen ab 65 Jahren und älter"),
)
GRUSI_ALTER_AB_2015 = Dimension(
    "altersgruppe", "Altersgruppe", ("18 Jahre bis unter die Altersgrenze", "Altersgrenze und älter")
)

LAYOUTS: dict[str, DatencsvLayout] = {
    layout.table_code: layout
    for layout in (
        DatencsvLayout(
            table_code="12411-03-03-4",
            title="Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität und Altersgruppen (21) "
            "- Stichtag 31.12. - regionale Tiefe: Kreise und krfr. Städte",
            regionale_tiefe="Kreise",
            stichtag=(31, 12),
            stichtag_in="row",
            unit="Anzahl",
            row_dimensions=(Dimension("altersgruppe", "Altersgruppe", ALTERSGRUPPEN_21, ages=True),),
            column_dimensions=(NATIONALITAET, GESCHLECHT),
            adds_up=frozenset({"bund", "land"}),
            source=GENESAPI_DATA.format("12411-03-03-4"),
        ),
        DatencsvLayout(
            table_code="12411-02-03-5",
            title="Bevölkerungsstand: Bevölkerung nach Geschlecht und Altersgruppen (17) - Stichtag 31.12. "
            "- regionale Tiefe: Gemeinden, Samt-/Verbandsgemeinden",
            regionale_tiefe="Gemeinden",
            stichtag=(31, 12),
            stichtag_in="block",
            unit="Anzahl",
            row_dimensions=(),
            column_dimensions=(
                GESCHLECHT,
                Dimension("altersgruppe", "Altersgruppe", ALTERSGRUPPEN_17, ages=True),
            ),
            adds_up=frozenset({"bund", "land", "kreis"}),
            source=GENESAPI_DATA.format("12411-02-03-5"),
        ),
        *(
            DatencsvLayout(
                table_code=code,
                title=f"Empfänger von Grundsicherung im Alter und bei Erwerbsminderung{title}",
                regionale_tiefe="Kreise",
                stichtag=(31, 12),
                stichtag_in="row",
                unit="Anzahl",
                row_dimensions=(GRUSI_GESCHLECHT,),
                column_dimensions=(ORT, ages, GRUSI_NATIONALITAET),
                adds_up=frozenset(),
                source=GENESAPI_DATA.format(code),
                columns=(
                    *(
                        (ort, age, "Insgesamt")
                        for ort in ORT.labels[-1:] + ORT.parts
                        for age in ages.labels[-1:] + ages.parts
                    ),
                    ("Insgesamt", "Insgesamt", "Deutsche"),
                    ("Insgesamt", "Insgesamt", "Ausländer"),
                ),
            )
            for code, title, ages in (
                (
                    "22151-01-01-4",
                    " - Stichtag 31.12. - regionale Tiefe: Kreise und krfr. Städte (bis 2014)",
                    GRUSI_ALTER_BIS_2014,
                ),
                ("22151-01-02-4", " - regionale Tiefe: Kreise und krfr. Städte", GRUSI_ALTER_AB_2015),
            )
        ),
    )
}


def layout(table_code: str) -> DatencsvLayout:
    try:
        return LAYOUTS[table_code]
    except KeyError:
        raise KeyError(
            f"unknown GENESIS table '{table_code}'; layouts exist for: {', '.join(sorted(LAYOUTS))}"
        ) from None
