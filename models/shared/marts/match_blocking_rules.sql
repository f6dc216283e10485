{#- The blocking rules of the build with the candidate pairs each gave and whether it was used
    (int_blocking_rules), for the build report. -#}

select * from {{ ref('int_blocking_rules') }}
