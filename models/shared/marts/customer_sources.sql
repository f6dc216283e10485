{#- One row per input record and the customer it was resolved to, with the record's fields as
    the golden record reads them (so a person's page shows every record, and which one supplied
    each golden field). survivorship_rank orders a customer's records as customers.sql does:
    a golden field comes from the record of lowest rank that has it. -#}

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
    clustered.was_oversized as is_from_oversized_group,
    -- bigint on every engine (Spark's row_number is an int, DuckDB's a bigint).
    cast(row_number() over (
        partition by customer_ids.customer_id
        order by
            {{ source_rank('contacts.source') }},
            contacts.record_updated_at desc nulls last,
            contacts.record_index
    ) as bigint) as survivorship_rank,
    contacts.title,
    contacts.first_name,
    contacts.last_name,
    contacts.email,
    contacts.phone_key as phone,
    contacts.organisation,
    contacts.address_line1,
    contacts.city,
    contacts.postcode,
    contacts.country_code,
    contacts.orcid_key as orcid,
    contacts.birth_date,
    contacts.customer_number
from clustered
inner join customer_ids on clustered.cluster_id = customer_ids.cluster_id
inner join contacts on clustered.record_index = contacts.record_index
