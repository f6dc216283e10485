{#- What each customer did, per kind of activity (and currency, for amounts): counts, first
    and last dates, totals. Sums the activities mart, which has each record once with its
    customer (one rule for a record delivered twice, in one place). -#}

with

activities as (
    select * from {{ ref('activities') }}
)

select
    customer_id,
    activity_type,
    currency,
    count(*) as activity_count,
    min(activity_at) as first_activity_at,
    max(activity_at) as last_activity_at,
    -- decimal(38, 2) as DuckDB sums decimals (Spark adds ten digits to the amount's twelve).
    cast(sum(amount) as decimal(38, 2)) as total_amount
from activities
group by customer_id, activity_type, currency
