{#- Every candidate pair compared field by field: each field's level of agreement
    (macros/matching.sql, comparison_level) and, for the fields whose exact agreement is
    weighed by the value's frequency, that frequency. Expectation-maximisation learns from the
    levels (int_match_parameters); int_contact_pairs_scored weighs them. -#}


with

pairs as (
    select * from {{ ref('int_contact_pairs') }}
),

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),

compared as (
    select
        pairs.record_index_l,
        pairs.record_index_r,
        pairs.first_blocking_rule,
        pairs.blocking_rules_mask,
        {{ compared_columns(match_fields(), 'l', 'r') }}
    from pairs
    inner join matchable as l on pairs.record_index_l = l.record_index
    inner join matchable as r on pairs.record_index_r = r.record_index
)

select * from compared
