{#- Records grouped into people: the connected components of the matched pairs
    (int_contacts_linked).

    Guard against hub chains: a component larger than matching.max_group_size is clustered
    again on its near-certain links only (match probability within a thousandth of the
    threshold's error from 1); whatever is still too large is left as single records and
    flagged, for a person to look at, rather than merging hundreds of people. -#}

{%- set strict = 1 - (1 - match_setting('threshold')) / 1000 %}
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
            "(select record_index_l as node_l, record_index_r as node_r from "
                ~ ref('int_contact_pairs_scored') ~ " as s where s.match_probability >= " ~ strict
                ~ " and s.record_index_l in (" ~ oversized ~ ")"
                ~ " and s.record_index_r in (" ~ oversized ~ "))",
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

clustered as (
    select
        first_pass.node as record_index,
        case
            when second_pass.node is null then first_pass.component
            when second_sizes.component_size <= {{ match_setting('max_group_size') }}
                then second_pass.component
            else first_pass.node
        end as cluster_id,
        second_pass.node is not null as was_oversized,
        greatest(first_pass.iteration, coalesce(second_pass.iteration, 0)) as iterations
    from first_pass
    left join second_pass on first_pass.node = second_pass.node
    left join second_sizes on second_pass.component = second_sizes.component
)

select
    contacts.record_index,
    contacts.source,
    contacts.source_record_id,
    clustered.cluster_id,
    count(*) over (partition by clustered.cluster_id) as cluster_size,
    clustered.was_oversized,
    clustered.iterations
from contacts
inner join clustered on contacts.record_index = clustered.record_index
