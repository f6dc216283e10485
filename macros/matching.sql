{#- Identity resolution in the Fellegi-Sunter way.

    Each field of a pair of records is compared into a level (exact, a weaker agreement, or
    different; "missing" when either side has nothing). A level carries a weight log2(m / u):
    m = P(level | same person), from the defaults below or client.yml's matching.m_probabilities;
    u = P(level | different people), estimated from the data: exact levels use the agreeing
    value's own frequency (two "Smith"s say less than two "Okonkwo"s), other levels the share
    seen among pseudo-random pairs of records. The sum of the weights plus the prior odds is the
    pair's match weight; pairs at or above matching.threshold (a probability) are the same person.

    Settings come from var('matching'): dbt_project.yml holds the defaults, `scv build` passes
    the client's values merged over them. -#}

{% macro match_setting(name) -%}
    {%- set settings = var('matching') -%}
    {%- if name not in settings -%}
        {{ exceptions.raise_compiler_error("matching setting '" ~ name ~ "' is not set in var('matching')") }}
    {%- endif -%}
    {{ return(settings[name]) }}
{%- endmacro %}

{% macro match_fields() -%}
    {#- field: [levels from strongest to weakest, each with its default m]; the last level is
        "different". `key` is the normalised column whose value frequency gives u for "exact",
        unless `tf` is false: a field with few values (country) uses u from random pairs. -#}
    {%- set fields = [
        {'name': 'email', 'key': 'email_key', 'm': {'exact': 0.70, 'different': 0.30}},
        {'name': 'first_name', 'key': 'first_name_key',
         'm': {'exact': 0.84, 'nickname': 0.06, 'fuzzy': 0.05, 'initial': 0.03, 'different': 0.02}},
        {'name': 'last_name', 'key': 'last_name_key', 'm': {'exact': 0.93, 'fuzzy': 0.05, 'different': 0.02}},
        {'name': 'postcode', 'key': 'postcode_key', 'm': {'exact': 0.82, 'district': 0.03, 'different': 0.15}},
        {'name': 'phone', 'key': 'phone_key', 'm': {'exact': 0.80, 'different': 0.20}},
        {'name': 'orcid', 'key': 'orcid_key', 'm': {'exact': 0.99, 'different': 0.01}},
        {'name': 'customer_number', 'key': 'customer_number_key', 'm': {'exact': 0.99, 'different': 0.01}},
        {'name': 'birth_date', 'key': 'birth_date', 'm': {'exact': 0.97, 'different': 0.03}},
        {'name': 'organisation', 'key': 'organisation_key', 'm': {'exact': 0.75, 'different': 0.25}},
        {'name': 'country', 'key': 'country_code', 'm': {'exact': 0.96, 'different': 0.04}, 'tf': false},
    ] -%}
    {%- set overrides = match_setting('m_probabilities') or {} -%}
    {%- for field in fields -%}
        {%- do field.setdefault('tf', true) -%}
        {%- for level, m in (overrides.get(field.name) or {}).items() -%}
            {%- do field.m.update({level: m}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}

{% macro comparison_level(field, l, r) -%}
    {#- The level of agreement of one field between records `l` and `r` (table aliases). -#}
    {%- set key = field.key -%}
    case
        when {{ l }}.{{ key }} is null or {{ r }}.{{ key }} is null then 'missing'
        when {{ l }}.{{ key }} = {{ r }}.{{ key }} then 'exact'
    {%- if field.name == 'first_name' %}
        when {{ l }}.first_name_canonical = {{ r }}.first_name_canonical then 'nickname'
        when {{ string_similarity(l ~ '.first_name_key', r ~ '.first_name_key') }} >= 0.88 then 'fuzzy'
        when (length({{ l }}.first_name_key) = 1 or length({{ r }}.first_name_key) = 1)
            and {{ l }}.first_initial = {{ r }}.first_initial then 'initial'
    {%- elif field.name == 'last_name' %}
        when {{ string_similarity(l ~ '.last_name_key', r ~ '.last_name_key') }} >= 0.90 then 'fuzzy'
    {%- elif field.name == 'postcode' %}
        when {{ l }}.postcode_district = {{ r }}.postcode_district then 'district'
    {%- endif %}
        else 'different'
    end
{%- endmacro %}

{% macro blocking_rules() -%}
    {#- Candidate pairs are records that agree on all keys of at least one rule; nothing
        compares all pairs. A block bigger than matching.max_block_size is skipped. -#}
    {{ return(match_setting('blocking_rules')) }}
{%- endmacro %}

{% macro log2(expression) -%}
    (ln({{ expression }}) / ln(2))
{%- endmacro %}
