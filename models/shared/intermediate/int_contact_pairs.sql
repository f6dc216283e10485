{#- Candidate pairs: records agreeing on every key of at least one blocking rule
    (matching.blocking_rules), each pair once with record_index_l < record_index_r. Blocks bigger
    than matching.max_block_size are skipped: they are hubs, and would square the work. -#}

{%- set rules = blocking_rules() %}

with

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),
{% for rule in rules %}

block_{{ loop.index }} as (
    select * from (
        select
            record_index,
            {{ rule | join(', ') }},
            count(*) over (partition by {{ rule | join(', ') }}) as block_size
        from matchable
        where {{ rule | join(' is not null and ') }} is not null
    ) as blocked
    where block_size <= {{ match_setting('max_block_size') }}
),

pairs_{{ loop.index }} as (
    select
        l.record_index as record_index_l,
        r.record_index as record_index_r,
        {{ loop.index }} as rule_number
    from block_{{ loop.index }} as l
    inner join block_{{ loop.index }} as r
        on
            {% for key in rule %}l.{{ key }} = r.{{ key }}{{ " and " if not loop.last }}{% endfor %}
            and l.record_index < r.record_index
),
{% endfor %}

unioned as (
    {%- for rule in rules %}
    select * from pairs_{{ loop.index }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select
    record_index_l,
    record_index_r,
    min(rule_number) as first_blocking_rule,
    count(*) as blocking_rules_agreeing
from unioned
group by record_index_l, record_index_r
