{#- One row per input record and the customer it was resolved to. -#}

with

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
)

select
    customer_id,
    source,
    source_record_id,
    record_updated_at
from clustered
