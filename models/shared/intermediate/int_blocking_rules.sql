{#- The blocking rules (matching.blocking_rules) with the candidate pairs each would give on
    this delivery, counted before any pair is made: a rule whose keys no source has gives none
    and is left out, and a rule that would give more than matching.max_pairs_per_record pairs
    per record is left out too (it would compare too much; a client can set its own rules). The
    build prints these figures and int_contact_pairs uses the rules marked is_used. -#}

with

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),

record_count as (
    select count(*) as n from matchable
),

estimated as (
    {{ blocking_rule_estimates(blocking_rules(), 'matchable') }}
)

select
    estimated.rule_number,
    estimated.rule_keys,
    estimated.blocks,
    estimated.candidate_pairs,
    estimated.records_in_skipped_blocks,
    estimated.candidate_pairs > 0
    and estimated.candidate_pairs <= {{ match_setting('max_pairs_per_record') }} * greatest(record_count.n, 1)
        as is_used
from estimated
cross join record_count
