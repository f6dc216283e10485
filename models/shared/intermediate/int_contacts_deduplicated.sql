{{ config(materialized='view') }}
{#- The client's contacts (int_<client>__contacts_unioned), each source record once: exact
    duplicate rows of a delivery share a source_record_id, and the most recently updated is
    kept. A view, so the shared models below it read one client-independent name. -#}

with

unioned as (
    select * from {{ ref('int_' ~ var('client') ~ '__contacts_unioned') }}
)

select *
from unioned
where source_record_id is not null
qualify row_number() over (
    partition by source, source_record_id
    order by record_updated_at desc nulls last
) = 1
