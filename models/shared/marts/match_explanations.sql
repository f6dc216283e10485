{#- Why records are one person: every accepted pair (scored a match and resolved to the same
    customer) with each field's level of agreement and its weight in the match. One row per
    pair and field; a field missing from either record is left out (it weighs nothing).
    `level` is a keyword, but the column keeps the name the matcher's contract gives it. -#}

{%- set fields = match_fields() %}

with

scored as (
    select * from {{ ref('int_contact_pairs_scored') }}
),

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids') }}
),

accepted as (
    -- Joined on the records' numbers, not their source ids: a million pairs join in seconds.
    select
        customer_ids.customer_id,
        l.source as left_source,
        l.source_record_id as left_record_id,
        r.source as right_source,
        r.source_record_id as right_record_id,
        scored.*
    from scored
    inner join clustered as l on scored.record_index_l = l.record_index
    inner join clustered as r on scored.record_index_r = r.record_index
    inner join customer_ids on l.cluster_id = customer_ids.cluster_id
    where scored.is_match and l.cluster_id = r.cluster_id
),

field_names as (
    -- One row per compared field: each pair is read once and spread over its fields.
    {% for field in fields -%}
        select '{{ field.name }}' as field
        {% if not loop.last %}union all{% endif %}
    {% endfor -%}
),

spread as (
    select
        accepted.customer_id,
        accepted.left_source,
        accepted.left_record_id,
        accepted.right_source,
        accepted.right_record_id,
        accepted.match_probability,
        accepted.match_weight,
        field_names.field,
        case field_names.field
            {% for field in fields -%}
                when '{{ field.name }}' then accepted.{{ field.name }}_level
            {% endfor -%}
        end as level,  -- noqa: RF04
        case field_names.field
            {% for field in fields -%}
                when '{{ field.name }}' then accepted.{{ field.name }}_weight
            {% endfor -%}
        end as weight
    from accepted
    cross join field_names
)

select * from spread
where level <> 'missing'
