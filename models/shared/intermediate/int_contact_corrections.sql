{#- The client's corrections (corrections.yml, loaded by `scv build` into raw.corrections) on
    this build's records: each pair as record indexes, the lower first. A record that is not in
    this delivery leaves the pair stale (both indexes null): it is not applied, and the check
    warns. -#}

with

corrections as (
    select * from {{ source('client_corrections', 'corrections') }}
),

contacts as (
    select
        record_index,
        source,
        source_record_id
    from {{ ref('int_contacts_normalised') }}
),

resolved as (
    select
        corrections.line,
        corrections.kind,
        corrections.source_l,
        corrections.record_id_l,
        corrections.source_r,
        corrections.record_id_r,
        corrections.who,
        corrections.why,
        corrections.asked_on,
        corrections.reference,
        first_record.record_index as index_first,
        second_record.record_index as index_second
    from corrections
    left join contacts as first_record
        on corrections.source_l = first_record.source and corrections.record_id_l = first_record.source_record_id
    left join contacts as second_record
        on corrections.source_r = second_record.source and corrections.record_id_r = second_record.source_record_id
)

select
    line,
    kind,
    source_l,
    record_id_l,
    source_r,
    record_id_r,
    who,
    why,
    asked_on,
    reference,
    index_first is null or index_second is null as is_stale,
    case
        when index_first is not null and index_second is not null
            then least(index_first, index_second)
    end as record_index_l,
    case
        when index_first is not null and index_second is not null
            then greatest(index_first, index_second)
    end as record_index_r
from resolved
