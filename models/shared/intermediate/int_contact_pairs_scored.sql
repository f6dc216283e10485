{#- Every candidate pair compared field by field and scored (Fellegi-Sunter, see
    macros/matching.sql); is_match when the match probability reaches matching.threshold. -#}

{%- set fields = match_fields() %}

with

pairs as (
    select * from {{ ref('int_contact_pairs') }}
),

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),

u_probabilities as (
    select * from {{ ref('int_match_u_probabilities') }}
),

weights as (
    -- One row: log2(m/u) of every level whose u comes from random pairs, as <field>__<level>.
    select
        {%- for field in fields %}
        {%- set outer = loop %}
        {%- for level in field.m if level != 'exact' or not field.tf %}
        max(case when field_name = '{{ field.name }}' and level_name = '{{ level }}'
            then {{ log2('m_probability / u_probability') }} end) as {{ field.name }}__{{ level }}
        {{- "," if not (outer.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from u_probabilities
),

compared as (
    select
        pairs.record_index_l,
        pairs.record_index_r,
        pairs.first_blocking_rule,
        {%- for field in fields %}
        {%- if field.tf %}
        l.{{ field.key }}_frequency as {{ field.name }}_frequency,
        {%- endif %}
        {{ comparison_level(field, 'l', 'r') }} as {{ field.name }}_level{{ "," if not loop.last }}
        {%- endfor %}
    from pairs
    inner join matchable as l on pairs.record_index_l = l.record_index
    inner join matchable as r on pairs.record_index_r = r.record_index
),

scored as (
    select
        compared.record_index_l,
        compared.record_index_r,
        compared.first_blocking_rule,
        {%- for field in fields %}
        compared.{{ field.name }}_level,
        case compared.{{ field.name }}_level
            when 'missing' then 0.0
            {%- if field.tf %}
            when 'exact' then {{ log2(field.m['exact'] ~ ' / greatest(compared.' ~ field.name ~ '_frequency, 1e-9)') }}
            {%- endif %}
            {%- for level in field.m if level != 'exact' or not field.tf %}
            when '{{ level }}' then weights.{{ field.name }}__{{ level }}
            {%- endfor %}
        end as {{ field.name }}_weight{{ "," if not loop.last }}
        {%- endfor %}
    from compared
    cross join weights
),

record_count as (
    select count(*) as n from matchable
),

prior as (
    -- P(two random records are one person). True pairs are estimated from those a near-certain
    -- rule links (same email and surname, or same ORCID iD or customer number), which catch
    -- about 70% of them: that gives each record's expected number of partners, spread over
    -- the other records (at least matching.min_population, as for value frequencies).
    select {{ log2('p / (1 - p)') }} as log2_prior_odds
    from (
        select
            least(
                (2 * greatest(cast(count(*) as double) / 0.7, 1) / greatest(max(record_count.n), 1))
                / (greatest(max(record_count.n), {{ match_setting('min_population') }}) - 1),
                0.5
            ) as p
        from scored
        cross join record_count
        where
            (scored.email_level = 'exact' and scored.last_name_level in ('exact', 'fuzzy'))
            or scored.orcid_level = 'exact'
            or scored.customer_number_level = 'exact'
    )
),

final as (
    select
        scored.*,
        prior.log2_prior_odds
        {%- for field in fields %} + scored.{{ field.name }}_weight{% endfor %} as match_weight
    from scored
    cross join prior
)

select
    *,
    1 / (1 + pow(2, -match_weight)) as match_probability,
    1 / (1 + pow(2, -match_weight)) >= {{ match_setting('threshold') }} as is_match
from final
