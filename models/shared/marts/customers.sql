{#- The single customer view: one row per resolved person with the golden record.

    Survivorship: each field takes the value of the highest-priority source
    (matching.source_priority, from client.yml) that has one, and within that source the most
    recently updated record. The address fields come together from one record, so a street is
    never paired with another address's postcode. -#}

with

contacts as (
    select * from {{ ref('int_contacts_normalised') }}
),

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids') }}
),

ranked as (
    select
        customer_ids.customer_id,
        contacts.*,
        -- 1 is the best record: source priority first, then the newest; the record index breaks
        -- ties, so that the same delivery always gives the same golden record.
        row_number() over (
            partition by customer_ids.customer_id
            order by
                {{ source_rank('contacts.source') }},
                contacts.record_updated_at desc nulls last,
                contacts.record_index
        ) as survivorship_rank
    from contacts
    inner join clustered on contacts.record_index = clustered.record_index
    inner join customer_ids on clustered.cluster_id = customer_ids.cluster_id
),

golden as (
    select
        customer_id,
        {{ first_by('title', 'survivorship_rank') }} as title,
        {{ first_by('first_name', 'survivorship_rank') }} as first_name,
        {{ first_by('last_name', 'survivorship_rank') }} as last_name,
        {{ first_by('email', 'survivorship_rank') }} as email,
        {{ first_by('phone_key', 'survivorship_rank') }} as phone,
        {{ first_by('organisation', 'survivorship_rank') }} as organisation,
        {{ first_by('case when address_line1 is not null or postcode is not null then record_index end',
            'survivorship_rank') }} as address_record_index,
        {{ first_by('country_code', 'survivorship_rank') }} as country_code,
        {{ first_by('orcid_key', 'survivorship_rank') }} as orcid,
        {{ first_by('birth_date', 'survivorship_rank') }} as birth_date,
        {{ first_by('customer_number', 'survivorship_rank') }} as customer_number,
        -- One pass: the sources as a list give both the count and the names.
        {{ sorted_distinct_list('source') }} as source_list,
        count(*) as record_count,
        min(record_updated_at) as first_seen_at,
        max(record_updated_at) as last_seen_at
    from ranked
    group by customer_id
)

select
    golden.customer_id,
    golden.title,
    golden.first_name,
    golden.last_name,
    golden.email,
    golden.phone,
    golden.organisation,
    address.address_line1,
    address.city,
    address.postcode,
    golden.country_code,
    golden.orcid,
    golden.birth_date,
    golden.customer_number,
    {{ join_list('golden.source_list', ', ') }} as sources,
    {{ list_size('golden.source_list') }} as source_count,
    golden.record_count,
    golden.first_seen_at,
    golden.last_seen_at
from golden
left join contacts as address on golden.address_record_index = address.record_index
