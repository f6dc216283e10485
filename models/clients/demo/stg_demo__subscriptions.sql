with

source as (
    select * from {{ source('demo', 'subscriptions') }}
),

renamed as (
    select
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('subscriber_no') }} as subscriber_number,
        {{ clean_text('salutation') }} as title,
        {{ clean_text('forename') }} as first_name,
        {{ clean_text('surname') }} as last_name,
        {{ clean_email('email') }} as email,
        {{ clean_text('institution') }} as organisation,
        {{ clean_text('journal') }} as journal,
        {{ parse_date('start_date') }} as start_date,
        {{ parse_date('end_date') }} as end_date,
        {{ clean_text('postcode') }} as postcode,
        {{ clean_text('country') }} as country,
        _scv_file,
        _scv_line
    from source
)

select * from renamed
