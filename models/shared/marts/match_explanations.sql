{#- Why two records were joined: for every accepted pair (a match that put both records in one
    customer), one row per field both records have, with the level its values agreed at and the weight that level
    carried, in the waterfall style (the prior is field '(prior)'). The build report shows a
    sample; the client site's person page reads it. -#}


with

scored as (
    select * from {{ ref('int_contact_pairs_scored') }}
    where is_match
),

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids') }}
),

accepted as (
    -- A match the clustering kept: both records ended in the same customer.
    select
        customer_ids.customer_id,
        l.source as left_source,
        l.source_record_id as left_record_id,
        r.source as right_source,
        r.source_record_id as right_record_id,
        scored.*
    from scored
    inner join clustered as l on scored.record_index_l = l.record_index
    inner join clustered as r on scored.record_index_r = r.record_index
    inner join customer_ids on l.cluster_id = customer_ids.cluster_id
    where l.cluster_id = r.cluster_id
),

fields as (
    -- The columns the client site reads are named field and level, keywords or not.
    {{ explained_fields('accepted', match_fields()) }}
)

select * from fields
