{#- Every order, subscription and registration, one row each, with the customer who made it:
    a person's timeline and the segment builder's activity filters read it. -#}

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
)

select
    customer_sources.customer_id,
    ranked.source,
    ranked.source_record_id,
    ranked.activity_type,
    ranked.activity_at,
    ranked.description,
    ranked.amount,
    ranked.currency
from ranked
inner join customer_sources
    on
        ranked.source = customer_sources.source
        and ranked.source_record_id = customer_sources.source_record_id
where ranked.duplicate_rank = 1
