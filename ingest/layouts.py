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

- Soziale Mindestsicherung (22811-01-01-4, Sozialberichterstattung in der amtlichen Statistik): the
  recipients of all four benefits and each benefit (SGB II Gesamtregelleistung with its erwerbsfähige
  and nicht erwerbsfähige Leistungsberechtigte, HLU außerhalb von Einrichtungen, Grundsicherung,
  AsylbLG-Regelleistungen), the total labelled with the table's own caption, no row dimension. Its
  Kreise count recipients by residence and leave some unassigned, so Kreise do not add up to their Land
  (the Merkmal's note, genesapi-data `keys/ESML01_de.json`); by that note Deutschland equals its
  Länder, but the download has Deutschland on 31.12.2010 430 AsylbLG recipients below its Länder (its
  footnote: no correction from NRW), so no area sum is checked.
- Laufende Hilfe zum Lebensunterhalt (22121-01-03-4, "ab 2005"): Insgesamt, weiblich, Ausländer,
  außerhalb von Einrichtungen and six age groups, each a column of its own (the header names the
  dimension `Altersgruppe` over the age groups in the row of the other labels).
- Asylbewerberregelleistungen (22221-01-01-4): Insgesamt, weiblich, Grundleistungen, laufende Hilfe zum
  Lebensunterhalt and the same six age groups. NRW's Land figure includes recipients of the
  überörtliche Träger and the Saarland's the Landesaufnahmestelle, so no area sum is checked.

The Regionaldatenbank's table list of 20.02.2024 (CorrelAid/pystatis `src/pystatis/data/regioDB_tables.csv`)
has 22811-01-01-4 and 22221-01-01-4 for 31.12.2010–31.12.2021, and for HLU no 22121-01-03-4 but
22121-01-04-4 (2005–2022, by sex, nationality, place of provision and age group), whose layout was not
seen in a real file: a download of it is quarantined as a table the platform does not read.

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

# 22811-01-01-4: the benefit, and for SGB II who receives it; each label as the download writes it.
MINDESTSICHERUNG_SGB2 = "Gesamtregelleistung (ALG II/Sozialgeld) n.d.SGB II"
LEISTUNG = Dimension(
    "leistung",
    "Art der Leistung",
    (
        MINDESTSICHERUNG_SGB2,
        "Hilfe z. Lebensunt. außerh. v. Einr. n. d. SGB XII",
        "Grundsicher. im Alter u.b. Erwerbsm. n. d. SGB XII",
        "Regelleist. n.d. Asylbewerberleistungsgesetz",
    ),
    total="Empfänger von sozialen Mindestsicherungsleistungen",
)
SGB2_LEISTUNGSBERECHTIGTE = Dimension(
    "leistungsberechtigte",
    "Leistungsberechtigte nach dem SGB II",
    ("erwerbsf. Leistungsb. (Arbeitslosengeld II)", "nicht erwerbsf. Leistungsb. (Sozialgeld)"),
    total="zusammen",
)
# 22121 and 22221: the same six age groups.
ALTERSGRUPPEN_6 = Dimension(
    "altersgruppe",
    "Altersgruppe",
    (
        "unter 7 Jahre",
        "7 bis unter 18 Jahre",
        "18 bis unter 25 Jahre",
        "25 bis unter 50 Jahre",
        "50 bis unter 65 Jahre",
        "65 Jahre und mehr",
    ),
    ages=True,
)
ASYL_ART = Dimension(
    "art_der_leistung", "Art der Leistung", ("Grundleistungen", "laufende Hilfe zum Lebensunterhalt")
)
KREIS_TITLE = " - Stichtag 31.12. - regionale Tiefe: Kreise und krfr. Städte"


def _one_split_at_a_time(*splits: tuple[Dimension, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """The columns of a table that splits its total along one dimension at a time, showing some of its
    labels (22121: Insgesamt, weiblich, Ausländer, außerhalb von Einrichtungen, the age groups): the
    total, then each shown label with every other dimension at its total."""
    totals = tuple(dimension.total for dimension, _ in splits)
    columns = [totals]
    for position, (_, labels) in enumerate(splits):
        columns += [(*totals[:position], label, *totals[position + 1 :]) for label in labels]
    return tuple(columns)


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
        DatencsvLayout(
            table_code="22811-01-01-4",
            title="Sozialberichterstattung in der amtlichen Statistik, Empfänger von sozialen "
            f"Mindestsicherungsleistungen{KREIS_TITLE}",
            regionale_tiefe="Kreise",
            stichtag=(31, 12),
            stichtag_in="row",
            unit="Anzahl",
            row_dimensions=(),
            column_dimensions=(LEISTUNG, SGB2_LEISTUNGSBERECHTIGTE),
            adds_up=frozenset(),
            source=GENESAPI_DATA.format("22811-01-01-4"),
            columns=(
                (LEISTUNG.total, "zusammen"),
                *((MINDESTSICHERUNG_SGB2, label) for label in SGB2_LEISTUNGSBERECHTIGTE.labels[-1:]),
                *((MINDESTSICHERUNG_SGB2, label) for label in SGB2_LEISTUNGSBERECHTIGTE.parts),
                *((leistung, "zusammen") for leistung in LEISTUNG.parts[1:]),
            ),
        ),
        DatencsvLayout(
            table_code="22121-01-03-4",
            title=f"Empfänger(innen) von laufender Hilfe zum Lebensunterhalt{KREIS_TITLE} (ab 2005)",
            regionale_tiefe="Kreise",
            stichtag=(31, 12),
            stichtag_in="row",
            unit="Anzahl",
            row_dimensions=(),
            column_dimensions=(GESCHLECHT, NATIONALITAET, ORT, ALTERSGRUPPEN_6),
            adds_up=frozenset(),
            source=GENESAPI_DATA.format("22121-01-03-4"),
            columns=_one_split_at_a_time(
                (GESCHLECHT, ("weiblich",)),
                (NATIONALITAET, ("Ausländer",)),
                (ORT, ("außerhalb von Einrichtungen",)),
                (ALTERSGRUPPEN_6, ALTERSGRUPPEN_6.parts),
            ),
        ),
        DatencsvLayout(
            table_code="22221-01-01-4",
            title=f"Empfänger von Asylbewerberregelleistungen, Geschlecht, Art der Leistung, "
            f"Altersgruppen{KREIS_TITLE}",
            regionale_tiefe="Kreise",
            stichtag=(31, 12),
            stichtag_in="row",
            unit="Anzahl",
            row_dimensions=(),
            column_dimensions=(GESCHLECHT, ASYL_ART, ALTERSGRUPPEN_6),
            adds_up=frozenset(),
            source=GENESAPI_DATA.format("22221-01-01-4"),
            columns=_one_split_at_a_time(
                (GESCHLECHT, ("weiblich",)),
                (ASYL_ART, ASYL_ART.parts),
                (ALTERSGRUPPEN_6, ALTERSGRUPPEN_6.parts),
            ),
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
