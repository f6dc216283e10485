{#- The matching model card of the build: m, u and weight of every field and level, as learned
    from this client's data (int_match_parameters), for the build report. -#}

select * from {{ ref('int_match_parameters') }}
