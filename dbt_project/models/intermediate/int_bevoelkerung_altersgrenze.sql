-- Population at or above the Altersgrenze (§ 41 Abs. 2 SGB XII, the same schedule as § 7a SGB II) per area
-- and Stichtag 31.12.: the denominator of the Grundsicherungsquote im Alter (measure bev_ab_altersgrenze).
--
-- Method (an estimate; the official statistics count single years of age, the tables the platform reads
-- publish age groups):
--   - On 31.12. of year Y everyone aged a was born in Y - a. A cohort c reaches its limit 65 years and m(c)
--     months after birth (m from the seed altersgrenze). With births spread evenly over the year, the share
--     of the cohort past its limit on 31.12.Y is: age 65: (12 - m) / 12 (none when m >= 12); age 66:
--     min(1, (24 - m) / 12); age 67 and older: all.
--   - An age group is split into its single years in equal parts (a group of width w: 1/w each), so
--     "65 bis unter 70 Jahre" counts (f65 + f66 + 3) / 5 of its people; groups wholly from 67 count whole.
--     Rounded to whole persons.
-- A group that starts below 65 and ends above it cannot be split by this rule and leaves the measure empty,
-- as does any cell the source did not publish as a number (sum_of_parts).
with cells as (
    select *, {{ measure_status('status') }} as measure_status
    from {{ ref('int_bevoelkerung_gebiete') }}
    where nationalitaet = 'Insgesamt' and geschlecht = 'Insgesamt'
        and (alter_bis is null or alter_bis > 65)
),

limits as (
    select geburtsjahrgang, anhebung_monate from {{ ref('altersgrenze') }}
),

-- the share of each single year of age in a group that is past the limit on the Stichtag
single_years as (
    select
        cells.area_id,
        cells.stichtag,
        cells.alter_von,
        age,
        case
            when age >= 67 then 1.0
            when age = 66 then least(1.0, (24 - limits.anhebung_monate) / 12.0)
            else greatest(0.0, (12 - limits.anhebung_monate) / 12.0)
        end / (cells.alter_bis - cells.alter_von) as share_of_group
    from cells
    cross join generate_series(cells.alter_von, cells.alter_bis - 1) as ages(age)
    inner join limits
        on limits.geburtsjahrgang = least(greatest(year(cells.stichtag) - age, 1946), 1964)
    where cells.alter_bis is not null and cells.alter_von < 67 and cells.alter_von >= 65
),

group_shares as (
    select area_id, stichtag, alter_von, sum(share_of_group) as share
    from single_years
    group by all
),

weighted as (
    select
        cells.*,
        case
            when cells.alter_von >= 67 then 1.0
            when cells.alter_von >= 65 then group_shares.share
        end as share
    from cells
    left join group_shares using (area_id, stichtag, alter_von)
)

select
    area_id,
    stichtag as period,
    'bev_ab_altersgrenze' as measure_id,
    case
        when bool_and(anzahl is not null and share is not null) then round(sum(anzahl * share))::bigint
    end as value,
    case
        when bool_or(share is null) then 'missing'
        when bool_or(measure_status = 'suppressed') then 'suppressed'
        when bool_or(measure_status = 'missing') then 'missing'
        when bool_or(measure_status = 'provisional') then 'provisional'
        else 'ok'
    end as status,
    false as published_zero,  -- an estimate, never a figure the source printed
    string_agg(distinct source_file, ', ' order by source_file) as source_files,
    any_value(source_id) as source_id
from weighted
where strftime(stichtag, '%m-%d') = '12-31'
group by all
