{#- How customer ids changed, build by build: the previous build's history plus this build's
    changes. `new`: a customer none of whose records was known; `merged`: records of a
    customer id that no longer exists now belong to this one; `split`: records left a customer
    id that still exists for this one; `retired`: every record of the id is gone. -#}

with

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids') }}
),

previous as (
    select * from {{ source('previous_build', 'previous_customer_sources') }}
),

previous_history as (
    select * from {{ source('previous_build', 'previous_customer_id_history') }}
),

records as (
    select
        customer_ids.customer_id,
        previous.customer_id as previous_customer_id
    from clustered
    inner join customer_ids on clustered.cluster_id = customer_ids.cluster_id
    left join previous
        on clustered.source = previous.source and clustered.source_record_id = previous.source_record_id
),

moves as (
    select
        customer_id,
        previous_customer_id,
        count(*) as record_count
    from records
    where previous_customer_id is not null and previous_customer_id <> customer_id
    group by customer_id, previous_customer_id
),

current_ids as (
    select distinct customer_id from customer_ids
),

changes as (
    select
        customer_id,
        cast(null as string) as previous_customer_id,
        'new' as change_type,
        count(*) as record_count
    from records
    group by customer_id
    having count(previous_customer_id) = 0
    union all
    select
        moves.customer_id,
        moves.previous_customer_id,
        case when current_ids.customer_id is null then 'merged' else 'split' end as change_type,
        moves.record_count
    from moves
    left join current_ids on moves.previous_customer_id = current_ids.customer_id
    union all
    select
        cast(null as string) as customer_id,
        previous.customer_id as previous_customer_id,
        'retired' as change_type,
        count(*) as record_count
    from previous
    where
        previous.customer_id not in (select current_ids.customer_id from current_ids)
        and previous.customer_id not in (select moves.previous_customer_id from moves)
    group by previous.customer_id
)

select
    build_id,
    customer_id,
    previous_customer_id,
    change_type,
    record_count
from previous_history
union all
select
    {{ build_id() }} as build_id,
    customer_id,
    previous_customer_id,
    change_type,
    record_count
from changes
