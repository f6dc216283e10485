{#- A stable customer_id for every cluster.

    Each cluster keeps the previous build's id that most of its records had, provided it also
    holds more of that id's records than any other cluster does (so an id follows the larger
    part of a split). Anything else gets a new id derived from its first record's key. -#}

with

clustered as (
    select * from {{ ref('int_contacts_clustered') }}
),

previous as (
    select * from {{ source('previous_build', 'previous_customer_sources') }}
),

votes as (
    select
        clustered.cluster_id,
        previous.customer_id as previous_customer_id,
        count(*) as records
    from clustered
    inner join previous
        on clustered.source = previous.source and clustered.source_record_id = previous.source_record_id
    group by clustered.cluster_id, previous.customer_id
),

ranked as (
    select
        *,
        row_number() over (partition by cluster_id order by records desc, previous_customer_id asc)
            as rank_in_cluster,
        row_number() over (partition by previous_customer_id order by records desc, cluster_id asc)
            as rank_for_id
    from votes
),

kept as (
    select
        cluster_id,
        previous_customer_id as customer_id
    from ranked
    where rank_in_cluster = 1 and rank_for_id = 1
),

clusters as (
    select
        cluster_id,
        min(source || ':' || source_record_id) as first_record_key
    from clustered
    group by cluster_id
),

minted as (
    -- A new id must never reuse one the client has seen: on a clash, salt with the build id.
    select
        clusters.cluster_id,
        'C' || upper(substr(md5(clusters.first_record_key), 1, 12)) as candidate,
        'C' || upper(substr(
            md5(clusters.first_record_key || ':' || {{ build_id() }}),
            1, 12
        )) as salted
    from clusters
    left join kept on clusters.cluster_id = kept.cluster_id
    where kept.cluster_id is null
),

assigned as (
    select
        cluster_id,
        customer_id,
        'kept' as id_assignment
    from kept
    union all
    select
        minted.cluster_id,
        case
            when
                exists (
                    select 1 from previous
                    where previous.customer_id = minted.candidate
                )
                then minted.salted
            else minted.candidate
        end as customer_id,
        'new' as id_assignment
    from minted
)

select * from assigned
