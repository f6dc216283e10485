{#- The single customer view: one row per resolved person with the golden record.

    Survivorship: each field takes the value of the highest-priority source
    (matching.source_priority, from client.yml) that has one, and within that source the most
    recently updated record: the record of lowest survivorship_rank in customer_sources, which
    ranks every customer's records once for both marts. The address fields come together from
    one record, so a street is never paired with another address's postcode. -#}

{%- set has_address = 'address_line1 is not null or postcode is not null' %}

with

records as (
    select * from {{ ref('customer_sources') }}
),

golden as (
    select
        customer_id,
        {{ first_by('title', 'survivorship_rank') }} as title,
        {{ first_by('first_name', 'survivorship_rank') }} as first_name,
        {{ first_by('last_name', 'survivorship_rank') }} as last_name,
        {{ first_by('email', 'survivorship_rank') }} as email,
        {{ first_by('phone', 'survivorship_rank') }} as phone,
        {{ first_by('organisation', 'survivorship_rank') }} as organisation,
        -- '' for a part the address record lacks: first_by skips nulls, and each part must
        -- come from the best record having an address, not from the best having that part.
        {{ first_by("case when " ~ has_address ~ " then coalesce(address_line1, '') end", 'survivorship_rank') }}
            as address_address_line1,
        {{ first_by("case when " ~ has_address ~ " then coalesce(city, '') end", 'survivorship_rank') }}
            as address_city,
        {{ first_by("case when " ~ has_address ~ " then coalesce(postcode, '') end", 'survivorship_rank') }}
            as address_postcode,
        {{ first_by('country_code', 'survivorship_rank') }} as country_code,
        {{ first_by('orcid', 'survivorship_rank') }} as orcid,
        {{ first_by('birth_date', 'survivorship_rank') }} as birth_date,
        {{ first_by('customer_number', 'survivorship_rank') }} as customer_number,
        -- One pass: the sources as a list give both the count and the names.
        {{ sorted_distinct_list('source') }} as source_list,
        count(*) as record_count,
        min(record_updated_at) as first_seen_at,
        max(record_updated_at) as last_seen_at
    from records
    group by customer_id
)

select
    customer_id,
    title,
    first_name,
    last_name,
    email,
    phone,
    organisation,
    nullif(address_address_line1, '') as address_line1,
    nullif(address_city, '') as city,
    nullif(address_postcode, '') as postcode,
    country_code,
    orcid,
    birth_date,
    customer_number,
    {{ join_list('source_list', ', ') }} as sources,
    {{ list_size('source_list') }} as source_count,
    record_count,
    first_seen_at,
    last_seen_at
from golden
