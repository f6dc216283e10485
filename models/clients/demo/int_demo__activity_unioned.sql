{#- What the demo client's customers did, on the canonical activity shape the shared
    customer_activity mart reads: one row per order, subscription or registration. -#}

with

orders as (
    select
        'shop_orders' as source,
        order_id as source_record_id,
        'order' as activity_type,
        ordered_at as activity_at,
        amount,
        currency_code as currency,
        product as description
    from {{ ref('stg_demo__shop_orders') }}
),

subscriptions as (
    select
        'subscriptions' as source,
        subscription_id as source_record_id,
        'subscription' as activity_type,
        cast(start_date as timestamp) as activity_at,
        cast(null as decimal(12, 2)) as amount,
        cast(null as string) as currency,
        journal as description
    from {{ ref('stg_demo__subscriptions') }}
),

registrations as (
    select
        'event_registrations' as source,
        registration_id as source_record_id,
        'event' as activity_type,
        registered_at as activity_at,
        cast(null as decimal(12, 2)) as amount,
        cast(null as string) as currency,
        event_name as description
    from {{ ref('stg_demo__event_registrations') }}
)

select * from orders
union all
select * from subscriptions
union all
select * from registrations
