{#- One row per input record and the customer it was resolved to. -#}

with

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids') }}
),

contacts as (
    select * from {{ ref('int_contacts_normalised') }}
)

select
    customer_ids.customer_id,
    clustered.source,
    clustered.source_record_id,
    contacts.record_updated_at,
    clustered.was_oversized as is_from_oversized_group
from clustered
inner join customer_ids on clustered.cluster_id = customer_ids.cluster_id
inner join contacts on clustered.record_index = contacts.record_index
