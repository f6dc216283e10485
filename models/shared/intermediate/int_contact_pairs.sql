{#- Candidate pairs: records agreeing on every key of at least one blocking rule
    (matching.blocking_rules), each pair once with record_index_l < record_index_r. Blocks bigger
    than matching.max_block_size are skipped: they are hubs, and would square the work. -#}

{%- set rules = blocking_rules() %}

with

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),
{% for rule in rules %}
{%- set n = loop.index %}

blocks_{{ n }} as (
    -- Sizes by grouping, not a window over every record: a block of one pairs with nobody.
    select
        {{ rule | join(', ') }}
    from matchable
    where {{ rule | join(' is not null and ') }} is not null
    group by {{ rule | join(', ') }}
    having count(*) between 2 and {{ match_setting('max_block_size') }}
),

block_{{ n }} as (
    select
        matchable.record_index,
        {% for key in rule %}matchable.{{ key }}{{ ", " if not loop.last }}{% endfor %}
    from matchable
    inner join blocks_{{ n }}
        on {% for key in rule %}matchable.{{ key }} = blocks_{{ n }}.{{ key }}{{ " and " if not loop.last }}{% endfor %}
),

pairs_{{ n }} as (
    select
        l.record_index as record_index_l,
        r.record_index as record_index_r,
        {{ n }} as rule_number
    from block_{{ n }} as l
    inner join block_{{ n }} as r
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
