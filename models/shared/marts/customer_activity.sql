{#- What each customer did, per kind of activity (and currency, for amounts): counts, first
    and last dates, totals. Reads the client's int_<client>__activity_unioned. -#}

with

activity as (
    select * from {{ ref('int_' ~ var('client') ~ '__activity_unioned') }}
),

customer_sources as (
    select * from {{ ref('customer_sources') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source, source_record_id order by activity_at desc nulls last
        ) as duplicate_rank
    from activity
),

deduplicated as (
    select * from ranked
    where duplicate_rank = 1
)

select
    customer_sources.customer_id,
    deduplicated.activity_type,
    deduplicated.currency,
    count(*) as activity_count,
    min(deduplicated.activity_at) as first_activity_at,
    max(deduplicated.activity_at) as last_activity_at,
    -- decimal(38, 2) as DuckDB sums decimals (Spark adds ten digits to the amount's twelve).
    cast(sum(deduplicated.amount) as decimal(38, 2)) as total_amount
from deduplicated
inner join customer_sources
    on
        deduplicated.source = customer_sources.source
        and deduplicated.source_record_id = customer_sources.source_record_id
group by customer_sources.customer_id, deduplicated.activity_type, deduplicated.currency
