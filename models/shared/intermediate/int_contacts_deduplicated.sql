{{ config(materialized='view') }}
{#- The client's contacts (int_<client>__contacts_unioned), each source record once: exact
    duplicate rows of a delivery share a source_record_id, and the most recently updated is
    kept. A view, so the shared models below it read one client-independent name. -#}

with

unioned as (
    select * from {{ ref('int_' ~ var('client') ~ '__contacts_unioned') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source, source_record_id
            order by record_updated_at desc nulls last
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
    record_updated_at
from ranked
where duplicate_rank = 1
