with

source as (
    select * from {{ source('demo', 'shop_orders') }}
),

renamed as (
    select
        {{ clean_text('order_id') }} as order_id,
        {{ parse_timestamp('order_date') }} as ordered_at,
        {{ clean_email('customer_email') }} as email,
        {{ clean_text('billing_name') }} as billing_name,
        {{ clean_text('billing_postcode') }} as postcode,
        {{ clean_text('billing_country') }} as country,
        {{ clean_text('product') }} as product,
        try_cast(replace({{ clean_text('amount') }}, ',', '.') as decimal(12, 2)) as amount,
        upper({{ clean_text('currency') }}) as currency_code,
        _scv_file,
        _scv_line
    from source
)

select * from renamed
