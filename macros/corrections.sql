{#- The client's cannot-links (corrections.yml `different:`) applied to clusters.

    Clustering is transitive: with A~B and B~C matched, A and C end up together even when the
    client said they are two people and the direct link A~C was dropped. So a component holding
    both records of a cannot-link is clustered again by this rule, constrained single linkage:

        take the component's links strongest first (must-links first, then by match
        probability; ties by record), and join the two groups a link connects unless that
        would put two records of a cannot-link in one group.

    The weakest links between the two sides are the ones left out, every other record stays
    with the side it is most strongly tied to, and no cannot-link pair shares a customer. A
    must-link that contradicts a cannot-link (A same as B, B same as C, A different from C)
    loses: the cannot-link wins, and the check reports the must-link as contradicted.

    Only the conflicted components are read (a handful of records per correction), so the
    union-find runs in Jinja on the rows of two small queries, the same on every engine:
    `edges` has node_l, node_r, strength; `cannot` has node_l, node_r. Returns a relation
    (node, cluster_id) for every record of those components; cluster_id is the smallest record
    of its group, as connected_components labels a component. -#}

{% macro separate_cannot_links(edges, cannot) -%}
    {%- set state = namespace(rows=[]) -%}
    {#- Only when the model is built: `dbt compile` and `dbt docs generate` compile it too. -#}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set pairs = run_query('select node_l, node_r from ' ~ cannot ~ ' as c').rows -%}
        {#- Most clients have no cannot-link: then the links are not even read. -#}
        {%- set links = run_query(
            'select node_l, node_r from ' ~ edges ~ ' as e order by strength desc, node_l, node_r'
        ).rows if pairs else [] -%}
        {%- set group_of, members, banned = {}, {}, {} -%}
        {%- for link in links -%}
            {%- for node in [link[0] | int, link[1] | int] if node not in group_of -%}
                {%- do group_of.update({node: node}) -%}
                {%- do members.update({node: [node]}) -%}
                {%- do banned.update({node: []}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for pair in pairs if (pair[0] | int) in group_of and (pair[1] | int) in group_of -%}
            {%- do banned[pair[0] | int].append(pair[1] | int) -%}
            {%- do banned[pair[1] | int].append(pair[0] | int) -%}
        {%- endfor -%}
        {%- for link in links -%}
            {%- set a, b = group_of[link[0] | int], group_of[link[1] | int] -%}
            {%- if a != b and not (members[b] | select('in', banned[a]) | list) -%}
                {#- The smaller group joins the larger: each record is relabelled O(log n) times. -#}
                {%- if members[a] | length < members[b] | length -%}
                    {%- set a, b = b, a -%}
                {%- endif -%}
                {%- for node in members[b] -%}
                    {%- do group_of.update({node: a}) -%}
                {%- endfor -%}
                {%- do members[a].extend(members.pop(b)) -%}
                {%- do banned[a].extend(banned.pop(b)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for group in members.values() -%}
            {%- set label = group | min -%}
            {%- for node in group -%}
                {%- do state.rows.append('(' ~ node ~ ', ' ~ label ~ ')') -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if state.rows -%}
        select
            cast(separated.node as bigint) as node,
            cast(separated.cluster_id as bigint) as cluster_id
        from (values {{ state.rows | join(', ') }}) as separated (node, cluster_id)
    {%- else -%}
        select
            cast(null as bigint) as node,
            cast(null as bigint) as cluster_id
        from (select 1 as one) as nothing
        where nothing.one = 0
    {%- endif -%}
{%- endmacro %}
