{#- The demo client's sources on the canonical contact shape the shared models read.
    One select per source, every column of the shape in the same order (`scv source add`
    appends its selects so); a column a source lacks is null, never guessed. -#}

with

crm as (
    select
        'crm_contacts' as source,
        contact_id as source_record_id,
        contact_id as customer_number,
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
        coalesce(updated_at, created_at) as record_updated_at,
        cast(null as string) as national_id,
        cast(null as string) as membership_number,
        cast(null as string) as street_number,
        cast(null as string) as address_line2,
        cast(null as string) as locality,
        cast(null as string) as region
    from {{ ref('stg_demo__crm_contacts') }}
),

shop as (
    select
        'shop_orders' as source,
        order_id as source_record_id,
        cast(null as string) as customer_number,
        {{ name_part('billing_name', 'title') }} as title,
        {{ name_part('billing_name', 'first') }} as first_name,
        {{ name_part('billing_name', 'last') }} as last_name,
        email,
        cast(null as string) as phone,
        cast(null as string) as organisation,
        cast(null as string) as address_line1,
        cast(null as string) as city,
        postcode,
        country,
        cast(null as string) as orcid,
        cast(null as date) as birth_date,
        ordered_at as record_updated_at,
        cast(null as string) as national_id,
        cast(null as string) as membership_number,
        cast(null as string) as street_number,
        cast(null as string) as address_line2,
        cast(null as string) as locality,
        cast(null as string) as region
    from {{ ref('stg_demo__shop_orders') }}
),

subscriptions as (
    select
        'subscriptions' as source,
        subscription_id as source_record_id,
        subscriber_number as customer_number,
        title,
        first_name,
        last_name,
        email,
        cast(null as string) as phone,
        organisation,
        cast(null as string) as address_line1,
        cast(null as string) as city,
        postcode,
        country,
        cast(null as string) as orcid,
        cast(null as date) as birth_date,
        cast(start_date as timestamp) as record_updated_at,
        cast(null as string) as national_id,
        cast(null as string) as membership_number,
        cast(null as string) as street_number,
        cast(null as string) as address_line2,
        cast(null as string) as locality,
        cast(null as string) as region
    from {{ ref('stg_demo__subscriptions') }}
),

events as (
    select
        'event_registrations' as source,
        registration_id as source_record_id,
        cast(null as string) as customer_number,
        cast(null as string) as title,
        first_name,
        last_name,
        email,
        phone,
        organisation,
        cast(null as string) as address_line1,
        cast(null as string) as city,
        cast(null as string) as postcode,
        country,
        cast(null as string) as orcid,
        cast(null as date) as birth_date,
        registered_at as record_updated_at,
        cast(null as string) as national_id,
        cast(null as string) as membership_number,
        cast(null as string) as street_number,
        cast(null as string) as address_line2,
        cast(null as string) as locality,
        cast(null as string) as region
    from {{ ref('stg_demo__event_registrations') }}
)

select * from crm
union all
select * from shop
union all
select * from subscriptions
union all
select * from events
