{#- Records linked through their matched pairs: the connected components of the matches
    (every record gets the smallest record_index it is linked to), before int_contacts_clustered
    re-splits the oversized ones. A model of its own so that the second pass reads a table:
    connected_components runs its rounds as queries, which cannot see a CTE.

    The client's corrections (int_contact_corrections) hook in here: a must-link (`same`) is one
    more edge whatever the pair scored, and a matched pair the client said is `different` is no
    edge. A cannot-link pair still joined through others (A~B~C, A≠C) is split afterwards, in
    int_contacts_clustered (macros/corrections.sql). -#}

{%- set corrections = ref('int_contact_corrections') %}

{{ connected_components(
    "(select record_index as node from " ~ ref('int_contacts_normalised') ~ ")",
    "(select scored.record_index_l as node_l, scored.record_index_r as node_r from "
        ~ ref('int_contact_pairs_scored') ~ " as scored left join " ~ corrections ~ " as different"
        ~ " on different.kind = 'different' and scored.record_index_l = different.record_index_l"
        ~ " and scored.record_index_r = different.record_index_r"
        ~ " where scored.is_match and different.record_index_l is null"
        ~ " union all select same.record_index_l as node_l, same.record_index_r as node_r from "
        ~ corrections ~ " as same where same.kind = 'same' and not same.is_stale)",
    match_setting('max_iterations')
) }}
