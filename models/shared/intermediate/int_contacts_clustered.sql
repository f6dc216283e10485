{#- Records grouped into people: the connected components of the matched pairs
    (int_contacts_linked).

    Guard against hub chains: a component larger than matching.max_group_size is clustered
    again on its near-certain links only (match probability within a thousandth of the
    threshold's error from 1); whatever is still too large is left as single records and
    flagged, for a person to look at, rather than merging hundreds of people.

    Then the client's cannot-links: a component that still holds both records of one (joined
    through others: A~B~C with A≠C) is clustered again by constrained single linkage, strongest
    links first, never joining the two sides (macros/corrections.sql says the rule). Must-links
    count as the strongest links in both passes. -#}

{%- set strict = 1 - (1 - match_setting('threshold')) / 1000 %}
{%- set corrections = ref('int_contact_corrections') %}
{%- set must_links -%}
    select same.record_index_l as node_l, same.record_index_r as node_r
    from {{ corrections }} as same where same.kind = 'same' and not same.is_stale
{%- endset %}
{#- Components holding both records of a cannot-link, their links and their cannot-links. -#}
{%- set conflicted -%}
    select distinct first_record.component
    from {{ corrections }} as different
    inner join {{ ref('int_contacts_linked') }} as first_record on different.record_index_l = first_record.node
    inner join {{ ref('int_contacts_linked') }} as second_record on different.record_index_r = second_record.node
    where different.kind = 'different' and first_record.component = second_record.component
{%- endset %}
{%- set conflicted_edges -%}
    (select links.node_l, links.node_r, links.strength
    from (
        select record_index_l as node_l, record_index_r as node_r, match_probability as strength
        from {{ ref('int_contact_pairs_scored') }} where is_match
        union all
        select must.node_l, must.node_r, 2.0 as strength from ({{ must_links }}) as must
    ) as links
    inner join {{ ref('int_contacts_linked') }} as l on links.node_l = l.node
    inner join {{ ref('int_contacts_linked') }} as r on links.node_r = r.node
    where l.component = r.component and l.component in ({{ conflicted }}))
{%- endset %}
{%- set conflicted_pairs -%}
    (select different.record_index_l as node_l, different.record_index_r as node_r
    from {{ corrections }} as different where different.kind = 'different' and not different.is_stale)
{%- endset %}
{#- The oversized records, as a query of its own (not a CTE) for connected_components. -#}
{%- set oversized -%}
    select linked.node from {{ ref('int_contacts_linked') }} as linked
    where linked.component in (
        select big.component from {{ ref('int_contacts_linked') }} as big
        group by big.component having count(*) > {{ match_setting('max_group_size') }}
    )
{%- endset %}

with

contacts as (
    select * from {{ ref('int_contacts_normalised') }}
),

first_pass as (
    select * from {{ ref('int_contacts_linked') }}
),

second_pass as (
    select * from (
        {{ connected_components(
            "(" ~ oversized ~ ")",
            "(select s.node_l, s.node_r from (select record_index_l as node_l, record_index_r as node_r from "
                ~ ref('int_contact_pairs_scored') ~ " where match_probability >= " ~ strict
                ~ " union all " ~ must_links ~ ") as s"
                ~ " where s.node_l in (" ~ oversized ~ ")"
                ~ " and s.node_r in (" ~ oversized ~ "))",
            match_setting('max_iterations')
        ) }}
    )
),

second_sizes as (
    select
        component,
        count(*) as component_size
    from second_pass
    group by component
),

separated as (
    {{ separate_cannot_links(conflicted_edges, conflicted_pairs) }}
),

clustered as (
    select
        first_pass.node as record_index,
        case
            when separated.node is not null then separated.cluster_id
            when second_pass.node is null then first_pass.component
            when second_sizes.component_size <= {{ match_setting('max_group_size') }}
                then second_pass.component
            else first_pass.node
        end as cluster_id,
        second_pass.node is not null and separated.node is null as was_oversized,
        separated.node is not null as was_separated,
        greatest(first_pass.iteration, coalesce(second_pass.iteration, 0)) as iterations
    from first_pass
    left join second_pass on first_pass.node = second_pass.node
    left join second_sizes on second_pass.component = second_sizes.component
    left join separated on first_pass.node = separated.node
)

select
    contacts.record_index,
    contacts.source,
    contacts.source_record_id,
    clustered.cluster_id,
    count(*) over (partition by clustered.cluster_id) as cluster_size,
    clustered.was_oversized,
    clustered.was_separated,
    clustered.iterations
from contacts
inner join clustered on contacts.record_index = clustered.record_index
