{#- Candidate pairs: records agreeing on every key of at least one blocking rule that
    int_blocking_rules kept for this delivery, each pair once with record_index_l <
    record_index_r. Blocks bigger than matching.max_block_size are skipped: they are hubs, and
    would square the work.
    A rule of names alone finds what nothing else can: an event registration (name, email)
    against a member with no email (name, address). It pairs two records only when they have
    no other field to compare (beyond country and region): two records that both have an email,
    a phone or an address and share only a name are left to the other rules, since at ten
    million records they are most often namesakes. -#}

{%- set rules = [] %}
{%- set all_rules = blocking_rules() %}
{%- if execute and flags.WHICH in ('build', 'run') %}
    {%- set used = run_query('select rule_number from ' ~ ref('int_blocking_rules') ~ ' where is_used') %}
    {%- set numbers = used.columns[0].values() | map('int') | list %}
{%- else %}
    {%- set numbers = range(1, all_rules | length + 1) | list %}
{%- endif %}
{%- for rule in all_rules %}{% if loop.index in numbers %}{% do rules.append([loop.index, rule]) %}{% endif %}{% endfor %}
{%- if not rules %}
    {#- Nothing to compare (a delivery of one record): a rule that gives no pair keeps the SQL whole. -#}
    {%- set rules = [[0, ['record_index']]] %}
{%- endif %}
-- depends_on: {{ ref('int_blocking_rules') }}

with

matchable as (
    select * from {{ ref('int_contacts_matchable') }}
),
{%- set name_keys, other_keys = [], [] %}
{%- for field in match_fields() %}
    {%- if field.name in ('first_name', 'last_name') %}{% do name_keys.extend(field['keys']) %}
    {%- elif field.name not in ('country', 'region') %}{% do other_keys.append(field.key) %}{% endif %}
{%- endfor %}
{#- Which other fields a record has, a bit each. -#}
{%- set present = [] %}
{%- for key in other_keys %}{% do present.append('case when matchable.' ~ key ~ ' is not null then ' ~ 2 ** loop.index ~ ' else 0 end') %}{% endfor %}
{%- set fields_present = present | join(' + ') %}
{% for number, rule in rules %}
{%- set n = number %}
{%- set names_alone = not (rule | reject('in', name_keys) | list) %}

blocks_{{ n }} as (
    -- Sizes by grouping, not a window over every record: a block of one pairs with nobody.
    select
        {{ rule | join(', ') }}
    from matchable
    where {{ rule | join(' is not null and ') }} is not null
    group by {{ rule | join(', ') }}
    having count(*) between 2 and {{ match_setting('max_block_size') }}
    {%- if names_alone %}
        -- A block whose records all have some field in common (each an email, say) has no
        -- pair with nothing else to compare: it is not joined.
        and bit_and({{ fields_present }}) = 0
    {%- endif %}
),

block_{{ n }} as (
    select
        matchable.record_index,
        {%- if names_alone %}
        {{ fields_present }} as fields_present,
        {%- endif %}
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
            {%- if names_alone %}
            and (l.fields_present & r.fields_present) = 0
            {%- endif %}
),
{% endfor %}

unioned as (
    {%- for number, rule in rules %}
    select * from pairs_{{ number }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select
    record_index_l,
    record_index_r,
    min(rule_number) as first_blocking_rule,
    count(*) as blocking_rules_agreeing,
    -- Which rules the pair agrees on, a bit each: training learns a field's m from the pairs a
    -- rule without that field found (macros/training.sql).
    sum(cast(pow(2, rule_number) as bigint)) as blocking_rules_mask
from unioned
group by record_index_l, record_index_r
