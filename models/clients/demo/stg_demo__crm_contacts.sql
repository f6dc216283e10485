with

source as (
    select * from {{ source('demo', 'crm_contacts') }}
),

renamed as (
    select
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('title') }} as title,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_email('email') }} as email,
        {{ clean_phone('phone') }} as phone,
        {{ clean_text('organisation') }} as organisation,
        {{ clean_text('address_line1') }} as address_line1,
        {{ clean_text('city') }} as city,
        {{ clean_text('postcode') }} as postcode,
        {{ clean_text('country') }} as country,
        {{ normalise_orcid('orcid') }} as orcid,
        {{ parse_date('date_of_birth') }} as birth_date,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        _scv_file,
        _scv_line
    from source
)

select * from renamed
