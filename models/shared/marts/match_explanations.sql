{#- Why records are one person: every accepted pair (scored a match and resolved to the same
    customer) with each field's level of agreement and its weight in the match. One row per
    pair and field; a field missing from either record is left out (it weighs nothing).
    `level` is a keyword, but the column keeps the name the matcher's contract gives it. -#}

{%- set fields = match_fields() %}

with

scored as (
    select * from {{ ref('int_contact_pairs_scored') }}
),

customer_sources as (
    select * from {{ ref('customer_sources') }}
),

contacts as (
    select * from {{ ref('int_contacts_normalised') }}
),

accepted as (
    select
        l.customer_id,
        left_contact.source as left_source,
        left_contact.source_record_id as left_record_id,
        right_contact.source as right_source,
        right_contact.source_record_id as right_record_id,
        scored.*
    from scored
    inner join contacts as left_contact on scored.record_index_l = left_contact.record_index
    inner join contacts as right_contact on scored.record_index_r = right_contact.record_index
    inner join customer_sources as l
        on left_contact.source = l.source and left_contact.source_record_id = l.source_record_id
    inner join customer_sources as r
        on right_contact.source = r.source and right_contact.source_record_id = r.source_record_id
    where scored.is_match and l.customer_id = r.customer_id
),

fields as (
    {%- for field in fields %}
        select
            customer_id,
            left_source,
            left_record_id,
            right_source,
            right_record_id,
            match_probability,
            match_weight,
            '{{ field.name }}' as field,
            {{ field.name }}_level as level,  -- noqa: RF04
            {{ field.name }}_weight as weight
        from accepted
        where {{ field.name }}_level <> 'missing'
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from fields
