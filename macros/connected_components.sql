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

{% macro spark__connected_components(nodes, edges, max_iterations) -%}
    {#- Spark's recursive CTEs (4.1+) allow no aggregate over the recursive reference, so the
        same rounds run as a loop here, each round a table: a node whose label fell in the last
        round offers it to its neighbours, which take the smallest offer below their own. The
        result is DuckDB's, iteration included (the round in which a node's label last fell).
        Runs when the model is built; the model then reads the last round's table. -#}
    {%- set name = this.identifier ~ '__components_' ~ local_md5(nodes ~ edges)[:8] -%}
    {%- set prefix = this.schema ~ '.' ~ name -%}
    {%- set state = namespace(last=0, done=false) -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ prefix ~ '_edges') -%}
        {%- do run_query(
            'create table ' ~ prefix ~ '_edges using parquet as'
            ~ ' select node_l as node, node_r as neighbour from ' ~ edges ~ ' as e'
            ~ ' union all select node_r as node, node_l as neighbour from ' ~ edges ~ ' as e'
        ) -%}
        {%- do run_query('drop table if exists ' ~ prefix ~ '_0') -%}
        {%- do run_query(
            'create table ' ~ prefix ~ '_0 using parquet as'
            ~ ' select node, node as component, 0 as iteration from ' ~ nodes ~ ' as n'
        ) -%}
        {%- for round in range(1, max_iterations + 1) if not state.done -%}
            {%- set before = prefix ~ '_' ~ (round - 1) -%}
            {%- set after = prefix ~ '_' ~ round -%}
            {%- do run_query('drop table if exists ' ~ after) -%}
            {%- set next_round -%}
                create table {{ after }} using parquet as
                with offers as (
                    select
                        edges.neighbour as node,
                        min(labels.component) as component
                    from {{ before }} as labels
                    inner join {{ prefix }}_edges as edges on labels.node = edges.node
                    where labels.iteration = {{ round - 1 }}
                    group by edges.neighbour
                )
                select
                    labels.node,
                    case when offers.component < labels.component then offers.component else labels.component end
                        as component,
                    case when offers.component < labels.component then {{ round }} else labels.iteration end
                        as iteration
                from {{ before }} as labels
                left join offers on labels.node = offers.node
            {%- endset -%}
            {%- do run_query(next_round) -%}
            {%- set changed = run_query('select count(*) from ' ~ after ~ ' where iteration = ' ~ round).columns[0].values()[0] -%}
            {%- do run_query('drop table ' ~ before) -%}
            {%- set state.last = round -%}
            {%- set state.done = changed == 0 -%}
        {%- endfor -%}
        {%- do run_query('drop table ' ~ prefix ~ '_edges') -%}
    {%- endif %}
    select node, component, iteration from {{ prefix }}_{{ state.last }}
{%- endmacro %}
