{#- Every candidate pair scored (Fellegi-Sunter, see macros/matching.sql) with the client's
    trained parameters (int_match_parameters): each field's weight log2(m / u), where u of an
    exact agreement is the agreeing value's own frequency (two "Smith"s say less than two
    "Okonkwo"s); the match weight is their sum plus the prior odds; is_match when the match
    probability reaches matching.threshold. -#}

{%- set fields = match_fields() %}

with

compared as (
    select * from {{ ref('int_contact_pairs_compared') }}
),

parameters as (
    select * from {{ ref('int_match_parameters') }}
),

weights as (
    -- One row: the prior's log2 odds, each level's weight and each exact level's m.
    select
        max(case when field_name = '(prior)' then match_weight end) as log2_prior_odds,
        max(case when field_name = '(prior)' then m_probability end) as prior,
        {%- for field in fields %}
        {%- set outer = loop %}
        {%- for level in field.m %}
        max(case when field_name = '{{ field.name }}' and level_name = '{{ level }}'
            then {{ 'm_probability' if level == 'exact' and field.tf else 'match_weight' }} end)
            as {{ field.name }}__{{ level }}
        {{- "," if not (outer.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from parameters
),

scored as (
    select
        compared.record_index_l,
        compared.record_index_r,
        compared.first_blocking_rule,
        weights.log2_prior_odds,
        {%- for field in fields %}
        compared.{{ field.name }}_level,
        case compared.{{ field.name }}_level
            when 'missing' then 0.0
            {%- for level in field.m %}
            {%- if level == 'exact' and field.tf %}
            {%- set u = 'compared.' ~ field.name ~ '_frequency' %}
            {%- if field.given %}
                {#- The pair agrees on the given field too: the value's frequency among that
                    field's people, less the pairs of one person's own records (the prior x the
                    other records x m of both exact), never below its frequency among all. -#}
                {%- set g = field.given %}
                {%- set u = u ~ ' * greatest(coalesce(compared.' ~ g ~ '_pairs_ratio - compared.' ~ g ~ '_own_ratio'
                    ~ ' * weights.prior * weights.' ~ g ~ '__exact * weights.' ~ field.name ~ '__exact, 1.0), 1.0)' %}
            {%- endif %}
            when 'exact' then {{ log2('weights.' ~ field.name ~ '__exact / greatest(' ~ u ~ ', 1e-9)') }}
            {%- else %}
            when '{{ level }}' then weights.{{ field.name }}__{{ level }}
            {%- endif %}
            {%- endfor %}
            else 0.0
        end as {{ field.name }}_weight{{ "," if not loop.last }}
        {%- endfor %}
    from compared
    cross join weights
),

final as (
    select
        scored.*,
        scored.log2_prior_odds
        {%- for field in fields %} + scored.{{ field.name }}_weight{% endfor %} as match_weight
    from scored
)

select
    *,
    1 / (1 + pow(2, -match_weight)) as match_probability,
    1 / (1 + pow(2, -match_weight)) >= {{ match_setting('threshold') }} as is_match
from final
