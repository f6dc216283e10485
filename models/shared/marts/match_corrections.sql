{#- The client's corrections (corrections.yml) and what each did in this build, for the check
    and the build report:

    - stale: a record of the pair is not in this delivery, so nothing was applied;
    - split: a `different` pair the matcher had joined (directly, or through other records);
    - joined: a `same` pair the matcher had not matched directly;
    - agreed: the matcher had already decided as the client says;
    - contradicted: a `same` pair left apart because a cannot-link wins over it. -#}

with

corrections as (
    select * from {{ ref('int_contact_corrections') }}
),

scored as (
    select * from {{ ref('int_contact_pairs_scored') }}
),

linked as (
    select * from {{ ref('int_contacts_linked') }}
),

customer_sources as (
    select * from {{ ref('customer_sources') }}
),

applied as (
    select
        corrections.*,
        coalesce(scored.is_match, false) as is_scored_match,
        scored.match_probability,
        first_linked.component = second_linked.component as were_linked,
        first_customer.customer_id as customer_id_l,
        second_customer.customer_id as customer_id_r
    from corrections
    left join scored
        on corrections.record_index_l = scored.record_index_l and corrections.record_index_r = scored.record_index_r
    left join linked as first_linked on corrections.record_index_l = first_linked.node
    left join linked as second_linked on corrections.record_index_r = second_linked.node
    left join customer_sources as first_customer
        on corrections.source_l = first_customer.source and corrections.record_id_l = first_customer.source_record_id
    left join customer_sources as second_customer
        on corrections.source_r = second_customer.source and corrections.record_id_r = second_customer.source_record_id
)

select
    line,
    kind,
    source_l,
    record_id_l,
    source_r,
    record_id_r,
    who,
    why,
    asked_on,
    reference,
    case
        when is_stale then 'stale'
        when kind = 'different' and (is_scored_match or were_linked) then 'split'
        when kind = 'different' then 'agreed'
        when customer_id_l <> customer_id_r then 'contradicted'
        when is_scored_match then 'agreed'
        else 'joined'
    end as effect,
    match_probability,
    customer_id_l,
    customer_id_r
from applied
