{#- One row per resolved person: the golden record. Survivorship here is "most recent non-empty
    value"; source priority from client.yml comes with issue #3. -#}

with

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

golden as (
    select
        customer_id,
        arg_max(title, record_updated_at) filter (where title is not null) as title,
        arg_max(first_name, record_updated_at) filter (where first_name is not null) as first_name,
        arg_max(last_name, record_updated_at) filter (where last_name is not null) as last_name,
        arg_max(email, record_updated_at) filter (where email is not null) as email,
        arg_max(phone, record_updated_at) filter (where phone is not null) as phone,
        arg_max(organisation, record_updated_at) filter (where organisation is not null) as organisation,
        arg_max(address_line1, record_updated_at) filter (where address_line1 is not null) as address_line1,
        arg_max(city, record_updated_at) filter (where city is not null) as city,
        arg_max(postcode, record_updated_at) filter (where postcode is not null) as postcode,
        arg_max(country, record_updated_at) filter (where country is not null) as country,
        arg_max(orcid, record_updated_at) filter (where orcid is not null) as orcid,
        count(distinct source) as source_count,
        count(*) as record_count,
        min(record_updated_at) as first_seen_at,
        max(record_updated_at) as last_seen_at
    from clustered
    group by customer_id
)

select * from golden
