with

source as (
    select * from {{ source('demo', 'event_registrations') }}
),

renamed as (
    select
        {{ clean_text('registration_id') }} as registration_id,
        {{ clean_text('event_name') }} as event_name,
        {{ parse_date('event_date') }} as event_date,
        {{ parse_timestamp('registered_at') }} as registered_at,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('badge_name') }} as badge_name,
        {{ clean_email('email') }} as email,
        {{ clean_phone('phone') }} as phone,
        {{ clean_text('organisation') }} as organisation,
        {{ clean_text('job_title') }} as job_title,
        {{ clean_text('country') }} as country,
        _scv_file,
        _scv_line
    from source
)

select * from renamed
