-- Laufende Hilfe zum Lebensunterhalt (SGB XII, 3. Kapitel; table 22121-01-03-4): recipients by place of
-- provision at the totals of sex, nationality and age, mapped by the seed hilfe_lebensunterhalt_measures.
-- Only HLU outside institutions counts as Mindestsicherung (amtliche Sozialberichterstattung B 1).
{{ genesis_measure_cells('genesis_22121_hilfe_lebensunterhalt', 'hilfe_lebensunterhalt_measures', ['ort'], totals=['geschlecht', 'nationalitaet', 'altersgruppe']) }}
