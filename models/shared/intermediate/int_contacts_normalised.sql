{#- Every source record of the client being built, once, with match keys normalised.
    Exact duplicate rows in a delivery share a source_record_id: the latest one is kept. -#}

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
),

normalised as (
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
        lower(trim(email)) as email_key,
        upper(replace(postcode, ' ', '')) as postcode_key
    from ranked
    where duplicate_rank = 1
)

select * from normalised
