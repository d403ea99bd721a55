-- Regelleistungen nach dem Asylbewerberleistungsgesetz (table 22221-01-01-4): recipients by kind of
-- benefit (Grundleistungen, Hilfe zum Lebensunterhalt nach § 2 AsylbLG) at the totals of sex and age,
-- mapped by the seed asylbewerberleistungen_measures. Both kinds are Regelleistungen: the total counts.
{{ genesis_measure_cells('genesis_22221_asylbewerberleistungen', 'asylbewerberleistungen_measures', ['art_der_leistung'], totals=['geschlecht', 'altersgruppe']) }}
