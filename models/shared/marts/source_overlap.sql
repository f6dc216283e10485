{#- How the client's sources overlap: for every pair of sources (and each source with itself),
    the customers found in both. Reads as a matrix: the diagonal is each source's customers. -#}

with

presence as (
    select distinct
        customer_id,
        source
    from {{ ref('customer_sources') }}
),

totals as (
    select
        source,
        count(*) as customers
    from presence
    group by source
)

select
    a.source as source_a,
    b.source as source_b,
    count(*) as customers_in_both,
    max(totals.customers) as customers_in_a,
    count(*) / max(totals.customers) as share_of_a
from presence as a
inner join presence as b on a.customer_id = b.customer_id
inner join totals on a.source = totals.source
group by a.source, b.source
