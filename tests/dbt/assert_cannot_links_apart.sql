{#- The client's cannot-links hold: no pair corrections.yml says is two people shares a
    customer, whatever the scores (int_contacts_linked, int_contacts_clustered). -#}

select
    different.line,
    different.source_l,
    different.record_id_l,
    different.source_r,
    different.record_id_r
from {{ ref('int_contact_corrections') }} as different
inner join {{ ref('int_contacts_clustered') }} as l on different.record_index_l = l.record_index
inner join {{ ref('int_contacts_clustered') }} as r on different.record_index_r = r.record_index
where different.kind = 'different' and l.cluster_id = r.cluster_id
