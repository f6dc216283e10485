{#- The client's trained matching parameters (the model card): for each field and level its m
    (learned by expectation-maximisation over the candidate pairs, macros/training.sql), its u
    (from random pairs) and its weight log2(m / u); the prior as field '(prior)'. A field the
    client pins keeps its m (is_trained false). -#}

{%- set fields = match_fields() %}
{%- set trained = train_match_parameters(
    ref('int_contact_pairs_compared'), ref('int_match_u_probabilities'), ref('int_contacts_matchable'), fields
) %}

with

u_probabilities as (
    select * from {{ ref('int_match_u_probabilities') }}
),

trained as (
    {{ trained_parameters(trained, fields) }}
),

levels as (
    select
        trained.field_name,
        trained.level_name,
        trained.level_order,
        trained.m_probability,
        u_probabilities.u_probability,
        trained.is_trained
    from trained
    inner join u_probabilities
        on trained.field_name = u_probabilities.field_name and trained.level_name = u_probabilities.level_name
    union all
    select
        '(prior)' as field_name,
        'match' as level_name,
        0 as level_order,
        cast({{ trained.prior }} as double) as m_probability,
        cast(1 - {{ trained.prior }} as double) as u_probability,
        {{ 'true' if trained.rounds and match_setting('prior') is none else 'false' }} as is_trained
)

select
    field_name,
    level_name,
    level_order,
    m_probability,
    u_probability,
    {{ log2('m_probability / u_probability') }} as match_weight,
    is_trained,
    {{ trained.rounds }} as training_rounds,
    cast({{ trained.pairs }} as double) as training_pairs
from levels
