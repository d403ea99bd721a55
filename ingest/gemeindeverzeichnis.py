"""Reader for Destatis' Gemeindeverzeichnis in its fixed-width format GV100AD (`GV100AD_DDMMYY.txt`).

GV100AD is the official register of every Land, Regierungsbezirk, Region (Baden-Württemberg only),
Kreis, Gemeindeverband and Gemeinde, one record of 220 characters per line; the first two characters
(Satzart) say which. It is what the platform's geography is refreshed from (`ingest.geography_refresh`).

Field positions (1-based, inclusive) of the Datensatzbeschreibung that Destatis ships as a PDF inside
each GV100AD zip (not stored here); this reader uses these, each confirmed by at least two independent
parsers of the format and by the real file `GV100AD_301123.txt` (Gebietsstand 30.11.2023, Destatis
download GV100AD3011.zip, as kept in github.com/theodm/python-gemeindeverzeichnis):

    1-2      Satzart: 10 Land, 20 Regierungsbezirk, 30 Region, 40 Kreis, 50 Gemeindeverband, 60 Gemeinde
    3-10     Gebietsstand, JJJJMMTT
    11-12    Land;  13 Regierungsbezirk;  14 Region (Satzart 30);  14-15 Kreis;  16-18 Gemeinde (Satzart 60)
    19-22    Gemeindeverband (Satzart 50 and 60)
    23-72    Name
    73-122   Sitz der Landesregierung / Verwaltung (Satzart 10 to 50)
    123-124  Textkennzeichen (Satzart 40, 50, 60)

Sources: R package `wiesbaden` (github.com/sumtxt/wiesbaden, data-raw/GV100ADfwf.csv and GV100ADkey.csv);
Rust crate `gv100ad` (github.com/jgraef/gv100ad, src/parser.rs, tested on lines of GV100AD_300421.txt);
`gv100ad-py` (github.com/openpotato/gv100ad-py, src/gv100ad/entities/*.py, tested on lines of a
31.01.2022 file). All three agree on every position above and on the Textkennzeichen codes.
Satzart 60 also carries area, population, postcode, court, tax and employment-agency districts
(positions 129-196); the geography does not need them, so they are not read.

Encoding: since about 2019 the file is UTF-8, before that ISO-8859-1 (wiesbaden's documentation of
`read_gv100`); the 30.11.2023 file is valid UTF-8. Positions count characters, not bytes: every one of
its 16,035 lines has 220 characters, but up to 224 bytes where a name has umlauts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from ingest.encoding import detect_text_encoding
from ingest.errors import LayoutError

RECORD_LENGTH = 220


@dataclass(frozen=True)
class Field:
    name: str
    start: int  # 1-based, as in the Datensatzbeschreibung
    end: int  # inclusive

    def cut(self, record: str) -> str:
        return record[self.start - 1 : self.end]

    def __str__(self) -> str:
        return f"{self.name} (Stellen {self.start}-{self.end})"


SATZART = Field("Satzart", 1, 2)
GEBIETSSTAND = Field("Gebietsstand", 3, 10)
NAME = Field("Name", 23, 72)
SITZ = Field("Sitz der Verwaltung", 73, 122)
TEXTKENNZEICHEN = Field("Textkennzeichen", 123, 124)
GEMEINDEVERBAND = Field("Gemeindeverband", 19, 22)

# The key of each Satzart: Land (2), Regierungsbezirk (3), Region (4), Kreis (5), Gemeinde = AGS (8).
# A Gemeindeverband's key is its Kreis plus the four digits of positions 19-22 (9 digits, the first
# part of the Amtlicher Regionalschlüssel), read as two fields.
KEYS = {
    "10": Field("Land", 11, 12),
    "20": Field("Regierungsbezirk", 11, 13),
    "30": Field("Region", 11, 14),
    "40": Field("Kreis", 11, 15),
    "50": Field("Kreis", 11, 15),
    "60": Field("Amtlicher Gemeindeschlüssel", 11, 18),
}
# Textkennzeichen by Satzart (wiesbaden GV100ADkey.csv, gv100ad-py entities/*_type.py):
TEXTKENNZEICHEN_CODES = {
    "40": {
        "41": "Kreisfreie Stadt",
        "42": "Stadtkreis",
        "43": "Kreis",
        "44": "Landkreis",
        "45": "Regionalverband",
    },
    "50": {
        "50": "verbandsfreie Gemeinde",
        "51": "Amt",
        "52": "Samtgemeinde",
        "53": "Verbandsgemeinde",
        "54": "Verwaltungsgemeinschaft",
        "55": "Kirchspielslandgemeinde",
        "56": "Verwaltungsverband",
        "57": "VG Trägermodell",
        "58": "Erfüllende Gemeinde",
    },
    "60": {
        "60": "Markt",
        "61": "Kreisfreie Stadt",
        "62": "Stadtkreis",
        "63": "Stadt",
        "64": "Kreisangehörige Gemeinde",
        "65": "gemeindefreies Gebiet, bewohnt",
        "66": "gemeindefreies Gebiet, unbewohnt",
        "67": "Große Kreisstadt",
    },
}


@dataclass(frozen=True)
class GvRecord:
    """One GV100AD record. `schluessel` is the record's official key (a Gemeindeverband's: Kreis and
    Verband, 9 digits); `sitz` is empty for Gemeinden, `textkennzeichen` for Satzart 10 to 30."""

    line: int
    satzart: str
    gebietsstand: date
    schluessel: str
    name: str
    sitz: str
    textkennzeichen: str


class Gv100adFile:
    """One GV100AD file. Every record is checked against the Datensatzbeschreibung; a record that does
    not fit stops the read with the file, line and field named (a shifted or cut record must not turn
    into a wrong key)."""

    def __init__(self, path: Path):
        self.path = path

    def records(self) -> Iterator[GvRecord]:
        stand: date | None = None
        with self.path.open(encoding=detect_text_encoding(self.path), newline="") as handle:
            for number, raw in enumerate(handle, start=1):
                record = self._record(raw.rstrip("\r\n"), number)
                if stand is None:
                    stand = record.gebietsstand
                elif record.gebietsstand != stand:
                    self._fail(
                        f"Gebietsstand {record.gebietsstand} differs from line 1's, {stand}",
                        number,
                        GEBIETSSTAND,
                    )
                yield record

    def _record(self, text: str, number: int) -> GvRecord:
        satzart = SATZART.cut(text)
        if satzart not in KEYS:
            self._fail(f"unknown Satzart '{satzart}': GV100AD has {', '.join(KEYS)}", number, SATZART)
        if len(text) != RECORD_LENGTH:
            cut = next((f for f in self._fields(satzart) if f.end > len(text)), None)
            rest = Field("Satzende", min(len(text), RECORD_LENGTH) + 1, max(len(text), RECORD_LENGTH))
            self._fail(
                f"the record has {len(text)} characters, GV100AD records have {RECORD_LENGTH}"
                + (f": {cut} is cut off" if cut else ""),
                number,
                cut or rest,
            )
        try:
            stand = datetime.strptime(GEBIETSSTAND.cut(text), "%Y%m%d").date()
        except ValueError:
            self._fail(f"'{GEBIETSSTAND.cut(text)}' is no date JJJJMMTT", number, GEBIETSSTAND)
        key = KEYS[satzart].cut(text)
        if satzart == "50":
            key += GEMEINDEVERBAND.cut(text)
        if not key.isdigit():
            self._fail(f"'{key}' is no key of digits", number, KEYS[satzart])
        if satzart == "60" and not GEMEINDEVERBAND.cut(text).isdigit():
            self._fail(f"'{GEMEINDEVERBAND.cut(text)}' is no key of digits", number, GEMEINDEVERBAND)
        name = NAME.cut(text).strip()
        if not name:
            self._fail("the name is empty", number, NAME)
        kennzeichen = TEXTKENNZEICHEN.cut(text).strip()
        codes = TEXTKENNZEICHEN_CODES.get(satzart, {})
        if (kennzeichen or codes) and kennzeichen not in codes:
            expected = ", ".join(codes) if codes else "none for this Satzart"
            self._fail(f"Textkennzeichen '{kennzeichen}' (expected: {expected})", number, TEXTKENNZEICHEN)
        sitz = "" if satzart == "60" else SITZ.cut(text).strip()
        return GvRecord(number, satzart, stand, key, name, sitz, kennzeichen)

    @staticmethod
    def _fields(satzart: str) -> list[Field]:
        """The fields a record of this Satzart fills, in order of position."""
        fields = [SATZART, GEBIETSSTAND, KEYS[satzart], NAME]
        if satzart in ("50", "60"):
            fields.insert(3, GEMEINDEVERBAND)
        if satzart != "60":
            fields.append(SITZ)
        if satzart in TEXTKENNZEICHEN_CODES:
            fields.append(TEXTKENNZEICHEN)
        return fields

    def _fail(self, message: str, line: int, field: Field) -> NoReturn:
        raise LayoutError(self.path.name, message, row=line, column=str(field))
