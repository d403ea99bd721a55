-- Grundsicherung im Alter und bei Erwerbsminderung (Statistik 22151; tables 22151-01-01-4 until 2014 and
-- 22151-01-02-4 since): the published totals over place of provision and nationality, per age group
-- mapped to the shared measure vocabulary (seed grundsicherung_measures) and sex 'Insgesamt'.
{{ genesis_measure_cells('genesis_22151_grundsicherung', 'grundsicherung_measures', ['altersgruppe'], totals=['geschlecht', 'ort', 'nationalitaet']) }}
