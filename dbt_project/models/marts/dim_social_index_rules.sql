-- The social index's rules that are numbers (vars in dbt_project.yml), as this version was built with
-- them: published beside the weights and class bounds, so that the index, the atlas's method page and
-- the README's description cannot drift apart from what was computed.
select *
from (
    values
        ('min_population', {{ var('social_index_min_population') }}::double,
         'Gebiete mit weniger Einwohnerinnen und Einwohnern werden nicht bewertet (wie im MSS 2019: 300).'),
        ('min_weight_share', {{ var('social_index_min_weight_share') }}::double,
         'Ein Index entsteht nur, wenn die Indikatoren mit Wert mindestens diesen Anteil des Gewichts tragen.'),
        ('min_areas', {{ var('social_index_min_areas') }}::double,
         'Eine Ebene wird nur verglichen, wenn mindestens so viele ihrer Gebiete einen Index haben.'),
        ('dynamik_years', {{ var('social_index_dynamik_years') }}::double,
         'Die Dynamik vergleicht mit dem Stichtag so viele Jahre zuvor (Veränderung in Prozentpunkten).'),
        ('weight_variation', {{ var('social_index_weight_variation') }}::double,
         'Robustheit: jedes Gewicht einzeln um diesen Anteil gesenkt und erhöht.')
) as rules (rule, value, meaning)
