-- Empfänger von sozialen Mindestsicherungsleistungen (Sozialberichterstattung, table 22811-01-01-4):
-- the official total of the four benefits and each benefit as published, mapped to the shared measure
-- vocabulary by the seed mindestsicherung_measures. The total is the numerator of the
-- Mindestsicherungsquote where published; the benefits are checked against their own statistics
-- (the gate's mindestsicherung_components_agree), never summed in place of the total.
{{ genesis_measure_cells('genesis_22811_mindestsicherung', 'mindestsicherung_measures', ['leistung', 'leistungsberechtigte']) }}
