{{ config(materialized='view') }}
{#- The client's contacts (int_<client>__contacts_unioned), each source record once: exact
    duplicate rows of a delivery share a source_record_id, and the most recently updated is
    kept. Rows updated at the same time are told apart by their values, so the same delivery
    always keeps the same row (and gives the same golden record). A view, so the shared models
    below it read one client-independent name. -#}

{%- set union = ref('int_' ~ var('client') ~ '__contacts_unioned') %}

with

unioned as (
    -- The optional fields (identifiers, address parts) a union written without them lacks are
    -- nulls here, so every client's union is on the whole canonical shape.
    select
        {{ canonical_columns_of(union, 'int_' ~ var('client') ~ '__contacts_unioned') }}
    from {{ union }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source, source_record_id
            order by
                record_updated_at desc nulls last,
                email asc nulls last,
                phone asc nulls last,
                last_name asc nulls last,
                first_name asc nulls last,
                title asc nulls last,
                organisation asc nulls last,
                address_line1 asc nulls last,
                city asc nulls last,
                postcode asc nulls last,
                country asc nulls last,
                orcid asc nulls last,
                birth_date asc nulls last,
                customer_number asc nulls last,
                national_id asc nulls last,
                membership_number asc nulls last,
                street_number asc nulls last,
                address_line2 asc nulls last,
                locality asc nulls last,
                region asc nulls last
        ) as duplicate_rank
    from unioned
    where source_record_id is not null
)

select
    source,
    source_record_id,
    customer_number,
    title,
    first_name,
    last_name,
    email,
    phone,
    organisation,
    address_line1,
    city,
    postcode,
    country,
    orcid,
    birth_date,
    record_updated_at,
    national_id,
    membership_number,
    street_number,
    address_line2,
    locality,
    region
from ranked
where duplicate_rank = 1
