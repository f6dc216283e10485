{#- Connected components of a graph in SQL: every node gets the smallest node id reachable
    from it. `nodes` is a relation with a bigint column `node`; `edges` one with `node_l` and
    `node_r`. Returns (node, component, iteration).

    On DuckDB a recursive CTE with USING KEY keeps one row per node and only revisits nodes
    whose label just fell, so each round touches the frontier, not the whole graph. It stops
    when no label changes, or after `max_iterations` rounds; the data test
    assert_clusters_converged then fails the build, because a pair judged a match would be
    left in two customers. -#}

{% macro connected_components(nodes, edges, max_iterations=100) -%}
    {{ return(adapter.dispatch('connected_components', 'scv')(nodes, edges, max_iterations)) }}
{%- endmacro %}

{% macro default__connected_components(nodes, edges, max_iterations) -%}
    with recursive

    neighbours as (
        select node_l as node, node_r as neighbour from {{ edges }}
        union all
        select node_r as node, node_l as neighbour from {{ edges }}
    ),

    components (node, component, iteration) using key (node) as (
        select node, node as component, 0 as iteration from {{ nodes }}
        union
        select
            neighbours.neighbour as node,
            min(components.component) as component,
            max(components.iteration) + 1 as iteration
        from components
        inner join neighbours on components.node = neighbours.node
        inner join recurring.components as known on neighbours.neighbour = known.node
        where components.iteration < {{ max_iterations }}
        group by neighbours.neighbour
        having min(components.component) < min(known.component)
    )

    select node, component, iteration from components
{%- endmacro %}
