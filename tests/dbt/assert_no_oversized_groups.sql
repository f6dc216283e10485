{{ config(severity='warn') }}
{#- Records whose group exceeded matching.max_group_size even on near-certain links were left
    on their own: someone should look at them (a hub key the guards did not catch?). -#}

select
    source,
    source_record_id,
    cluster_id
from {{ ref('int_contacts_clustered') }}
where was_oversized and cluster_size = 1
