{#- Records linked through their matched pairs: the connected components of the matches
    (every record gets the smallest record_index it is linked to), before int_contacts_clustered
    re-splits the oversized ones. A model of its own so that the second pass reads a table:
    connected_components runs its rounds as queries, which cannot see a CTE. -#}

{{ connected_components(
    "(select record_index as node from " ~ ref('int_contacts_normalised') ~ ")",
    "(select record_index_l as node_l, record_index_r as node_r from "
        ~ ref('int_contact_pairs_scored') ~ " where is_match)",
    match_setting('max_iterations')
) }}
