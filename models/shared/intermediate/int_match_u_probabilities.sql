{#- u = P(comparison level | two different people), per field and level, measured on
    pseudo-random pairs of records (nearly all of which are different people). Each record is
    paired with one other chosen by a multiplicative hash: deterministic, no sampling state. -#}

{%- set fields = match_fields() %}

with

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),

record_count as (
    select count(*) as n from matchable
),

random_pairs as (
    select
        matchable.record_index as record_index_l,
        (matchable.record_index * 2654435761 + 40503) % record_count.n + 1 as record_index_r
    from matchable
    cross join record_count
    where matchable.record_index <= 200000
),

compared as (
    select
        {%- for field in fields %}
        {{ comparison_level(field, 'l', 'r') }} as {{ field.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from random_pairs
    inner join matchable as l on random_pairs.record_index_l = l.record_index
    inner join matchable as r on random_pairs.record_index_r = r.record_index
    where random_pairs.record_index_l <> random_pairs.record_index_r
),

levels as (
    {%- for field in fields %}
    {%- set outer = loop %}
    {%- for level in field.m %}
    select
        '{{ field.name }}' as field_name,
        '{{ level }}' as level_name,
        cast({{ field.m[level] }} as double) as m_probability
    {{ "union all" if not (outer.last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
),

observed as (
    -- One pass over the pairs, every field's level a row (Spark would repeat the joins above
    -- for each field of a union).
    select
        field_name,
        level_name,
        count(*) as pairs
    from compared
    unpivot (level_name for field_name in ({{ fields | map(attribute='name') | join(', ') }}))
    where level_name <> 'missing'
    group by field_name, level_name
),

compared_pairs as (
    select
        field_name,
        sum(pairs) as pairs
    from observed
    group by field_name
)

select
    levels.field_name,
    levels.level_name,
    levels.m_probability,
    coalesce(observed.pairs, 0) as pairs,
    -- A level never seen among random pairs gets half a pair: rare, not impossible.
    -- (As a double: Spark would divide decimals, to fewer digits than DuckDB's doubles.)
    cast(greatest(coalesce(observed.pairs, 0), 0.5) as double) / greatest(coalesce(compared_pairs.pairs, 0), 1)
        as u_probability
from levels
left join observed
    on levels.field_name = observed.field_name and levels.level_name = observed.level_name
left join compared_pairs on levels.field_name = compared_pairs.field_name
