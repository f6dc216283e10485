{#- Clustering converged: every matched pair is in one cluster (records re-split out of an
    oversized group, and pairs the client's corrections keep apart, excepted). A row here is a
    pair judged the same person yet left in two customers: label propagation stopped early. -#}

select
    pairs.record_index_l,
    pairs.record_index_r,
    l.cluster_id as cluster_l,
    r.cluster_id as cluster_r
from {{ ref('int_contact_pairs_scored') }} as pairs
inner join {{ ref('int_contacts_clustered') }} as l on pairs.record_index_l = l.record_index
inner join {{ ref('int_contacts_clustered') }} as r on pairs.record_index_r = r.record_index
where
    pairs.is_match and l.cluster_id <> r.cluster_id
    and not l.was_oversized and not r.was_oversized
    and not l.was_separated and not r.was_separated
    and not exists (
        select 1 from {{ ref('int_contact_corrections') }} as different
        where
            different.kind = 'different'
            and different.record_index_l = pairs.record_index_l
            and different.record_index_r = pairs.record_index_r
    )
