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
    {#- field: its levels from strongest to weakest, each with the m it starts from (expectation-
        maximisation learns the client's own from its pairs, see train_m_probabilities); the
        last level is "different". `key` is the normalised column compared; its value frequency
        gives u for "exact" unless `tf` is false (a field with few values, as country, uses u
        from random pairs). `kind` says how the other levels are told (comparison_level).
        `given`: when the two records agree on that field too, the value's frequency is taken
        among that field's people, since the two are not independent (a last name given the
        first name, int_contacts_matchable's first_name_lifts). -#}
    {%- set fields = [
        {'name': 'email', 'key': 'email_key', 'kind': 'email', 'm': {'exact': 0.70, 'typo': 0.02, 'different': 0.28}},
        {'name': 'first_name', 'key': 'first_name_key', 'kind': 'first_name',
         'm': {'exact': 0.80, 'nickname': 0.04, 'swapped': 0.02, 'close': 0.06, 'phonetic': 0.02, 'fuzzy': 0.02,
               'initial': 0.02, 'different': 0.02}},
        {'name': 'last_name', 'key': 'last_name_key', 'kind': 'last_name', 'given': 'first_name',
         'm': {'exact': 0.85, 'swapped': 0.02, 'close': 0.06, 'phonetic': 0.02, 'fuzzy': 0.02, 'different': 0.03}},
        {'name': 'birth_date', 'key': 'birth_date', 'kind': 'date',
         'm': {'exact': 0.90, 'swapped': 0.02, 'typo': 0.03, 'near': 0.02, 'different': 0.03}},
        {'name': 'postcode', 'key': 'postcode_key', 'kind': 'postcode',
         'm': {'exact': 0.82, 'typo': 0.04, 'district': 0.03, 'different': 0.11}},
        {'name': 'phone', 'key': 'phone_key', 'kind': 'identifier', 'm': {'exact': 0.75, 'typo': 0.05, 'different': 0.20}},
        {'name': 'orcid', 'key': 'orcid_key', 'kind': 'exact', 'm': {'exact': 0.99, 'different': 0.01}},
        {'name': 'customer_number', 'key': 'customer_number_key', 'kind': 'identifier',
         'm': {'exact': 0.95, 'typo': 0.03, 'different': 0.02}},
        {'name': 'national_id', 'key': 'national_id_key', 'kind': 'identifier',
         'm': {'exact': 0.90, 'typo': 0.05, 'different': 0.05}},
        {'name': 'membership_number', 'key': 'membership_number_key', 'kind': 'identifier',
         'm': {'exact': 0.90, 'typo': 0.05, 'different': 0.05}},
        {'name': 'organisation', 'key': 'organisation_key', 'kind': 'organisation',
         'm': {'exact': 0.75, 'colleague': 0.01, 'different': 0.24}},
        {'name': 'street_number', 'key': 'street_number_key', 'kind': 'exact', 'm': {'exact': 0.85, 'different': 0.15}},
        {'name': 'street', 'key': 'street_key', 'kind': 'text', 'm': {'exact': 0.80, 'close': 0.08, 'different': 0.12}},
        {'name': 'place', 'key': 'place_key', 'kind': 'text', 'm': {'exact': 0.80, 'close': 0.08, 'different': 0.12}},
        {'name': 'region', 'key': 'region_key', 'kind': 'exact', 'm': {'exact': 0.90, 'different': 0.10}, 'tf': false},
        {'name': 'country', 'key': 'country_code', 'kind': 'exact', 'm': {'exact': 0.96, 'different': 0.04}, 'tf': false},
    ] -%}
    {%- set overrides = match_setting('m_probabilities') or {} -%}
    {#- The match keys of int_contacts_matchable each field's levels are read from: a blocking
        rule on any of them finds pairs because of that field. -#}
    {%- set keys = {
        'first_name': ['first_name_key', 'first_name_canonical', 'first_name_phonetic', 'first_initial'],
        'last_name': ['last_name_key', 'last_name_phonetic'],
        'postcode': ['postcode_key', 'postcode_district'],
    } -%}
    {%- for field in fields -%}
        {%- do field.setdefault('tf', true) -%}
        {%- do field.setdefault('given', none) -%}
        {%- do field.update({'keys': keys.get(field.name, [field.key])}) -%}
        {%- do field.update({'pinned': field.name in overrides}) -%}
        {%- for level, m in (overrides.get(field.name) or {}).items() -%}
            {%- do field.m.update({level: m}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}

{% macro comparison_level(field, l, r) -%}
    {#- The level of agreement of one field between records `l` and `r` (table aliases). -#}
    {%- set key = field.key -%}
    {%- set a, b = l ~ '.' ~ key, r ~ '.' ~ key -%}
    case
        when {{ a }} is null or {{ b }} is null then 'missing'
    {%- if field.kind == 'organisation' %}
        {#- One organisation, but each record has its own mailbox at its domain: usually two
            colleagues, one of them perhaps a namesake. A level of its own, not the exact
            level's value frequency plus an email level: agreement on the organisation and on
            its mail domain is one piece of evidence, not two independent ones. -#}
        when {{ a }} = {{ b }} and {{ l }}.work_email_domain = {{ r }}.work_email_domain
            and {{ l }}.email_key <> {{ r }}.email_key and not {{ email_typo(l ~ '.email_key', r ~ '.email_key') }}
            then 'colleague'
    {%- endif %}
        when {{ a }} = {{ b }} then 'exact'
    {%- if field.kind in ('first_name', 'last_name') %}
        {%- set other = 'last_name_key' if field.kind == 'first_name' else 'first_name_key' %}
        {%- if field.kind == 'first_name' %}
        when {{ l }}.first_name_canonical = {{ r }}.first_name_canonical then 'nickname'
        {%- endif %}
        {#- Written in each other's place: one record has only one name and it is alike the
            other's other name ("ALVARADO" alone against Adam Alvarado), or both names swapped,
            either or both with a typo ("Teresa Kroagrertsen", "Kr0agrertsen Teresa"): each name
            alike the other's other name, and unlike its own unless one of them agrees exactly. -#}
        {%- set crossed = string_similarity(a, r ~ '.' ~ other) %}
        {%- set crossed_back = string_similarity(l ~ '.' ~ other, b) %}
        when ({{ l }}.{{ other }} is null and {{ crossed }} >= 0.80)
            or ({{ r }}.{{ other }} is null and {{ crossed_back }} >= 0.80)
            or ({{ crossed }} >= 0.80 and {{ crossed_back }} >= 0.80 and ({{ a }} = {{ r }}.{{ other }}
                or {{ l }}.{{ other }} = {{ b }} or {{ string_similarity(a, b) }} < 0.80)) then 'swapped'
        when {{ string_similarity(a, b) }} >= 0.92 then 'close'
        when {{ l }}.{{ field.kind }}_phonetic = {{ r }}.{{ field.kind }}_phonetic then 'phonetic'
        {#- Jaro-Winkler is harsh on short names: Ann and Enn, Kim and Ikm are one edit apart. -#}
        when {{ string_similarity(a, b) }} >= 0.80 or {{ within_one_edit(a, b) }} then 'fuzzy'
        {%- if field.kind == 'first_name' %}
        when (length({{ a }}) = 1 or length({{ b }}) = 1) and {{ l }}.first_initial = {{ r }}.first_initial then 'initial'
        {%- endif %}
    {%- elif field.kind == 'date' %}
        when month({{ a }}) = day({{ b }}) and day({{ a }}) = month({{ b }}) and year({{ a }}) = year({{ b }})
            then 'swapped'
        when {{ within_one_edit('cast(' ~ a ~ ' as string)', 'cast(' ~ b ~ ' as string)') }} then 'typo'
        when abs({{ dbt.datediff(a, b, 'day') }}) <= 31 then 'near'
    {%- elif field.kind == 'email' %}
        when {{ email_typo(a, b) }} then 'typo'
    {%- elif field.kind == 'identifier' %}
        when {{ within_one_edit(a, b) }} then 'typo'
    {%- elif field.kind == 'postcode' %}
        when {{ within_one_edit(a, b) }} then 'typo'
        when {{ l }}.postcode_district = {{ r }}.postcode_district then 'district'
    {%- elif field.kind == 'text' %}
        when {{ string_similarity(a, b) }} >= 0.88 then 'close'
    {%- endif %}
        else 'different'
    end
{%- endmacro %}

{% macro email_typo(a, b) -%}
    {#- Two addresses one letter apart (catherinr.miller@, @mail.eexample), but not a number
        alone: jane.smith2@ and jane.smith@ are usually two Jane Smiths. -#}
    ({{ within_one_edit(a, b) }} and {{ replace_all(a, '[0-9]', '') }} <> {{ replace_all(b, '[0-9]', '') }})
{%- endmacro %}

{% macro phonetic(column) -%}
    {#- Soundex of a name of lowercase letters a-z (fold_letters): its first letter and three
        digits for the consonants that follow, alike-sounding ones alike (Smith, Smyth: S530).
        The same arithmetic on every engine, so Spark and DuckDB build the same blocks. -#}
    {%- set digits = "translate(" ~ column ~ ", 'abcdefghijklmnopqrstuvwxyz', '01230120022455012623010202')" -%}
    {%- set collapsed = namespace(sql=digits) -%}
    {%- for d in range(7) -%}
        {%- set collapsed.sql = replace_all(collapsed.sql, d ~ '+', d ~ '') -%}
    {%- endfor -%}
    case when {{ column }} is not null then
        upper(left({{ column }}, 1)) || rpad(left(replace(substr({{ collapsed.sql }}, 2), '0', ''), 3), 3, '0')
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

{% macro canonical_contact_columns() -%}
    {#- The canonical contact shape (scv.profiling.mapping.CANONICAL), with each field's type. -#}
    {{ return([
        ['source', 'string'], ['source_record_id', 'string'], ['customer_number', 'string'],
        ['title', 'string'], ['first_name', 'string'], ['last_name', 'string'], ['email', 'string'],
        ['phone', 'string'], ['organisation', 'string'], ['address_line1', 'string'], ['city', 'string'],
        ['postcode', 'string'], ['country', 'string'], ['orcid', 'string'], ['birth_date', 'date'],
        ['record_updated_at', 'timestamp'], ['national_id', 'string'], ['membership_number', 'string'],
        ['street_number', 'string'], ['address_line2', 'string'], ['locality', 'string'], ['region', 'string'],
    ]) }}
{%- endmacro %}

{% macro canonical_columns_of(relation, model_name) -%}
    {#- The select list of relation on the canonical shape: its own column where it has one,
        a typed null where it has not. In a unit test the relation is a fixture the database
        does not know: the columns are then the model's own, as built. -#}
    {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list
        if execute else [] -%}
    {%- if execute and not present -%}
        {#- The clients' models are views in the staging schema (dbt_project.yml). -#}
        {%- set built = adapter.get_relation(target.database, generate_schema_name('staging', none), model_name) -%}
        {%- set present = adapter.get_columns_in_relation(built) | map(attribute='name') | map('lower') | list
            if built else [] -%}
    {%- endif -%}
    {{ return(canonical_select(present)) }}
{%- endmacro %}

{% macro canonical_select(present) -%}
    {%- set columns = [] -%}
    {%- for name, type in canonical_contact_columns() -%}
        {%- do columns.append(name if name in present or not execute else 'cast(null as ' ~ type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return(columns | join(', ')) }}
{%- endmacro %}

{% macro explained_fields(accepted, fields) -%}
    {#- One row per accepted pair and field both records have (the prior first): the level and the weight it
        carried, from the scored pairs' <field>_level and <field>_weight. Each pair is read once
        and spread over a small table of field names: a union per field read a million pairs
        once per field. -#}
    select * from (select
        a.customer_id, a.left_source, a.left_record_id, a.right_source, a.right_record_id,
        a.match_probability, a.match_weight, names.field,
        case names.field when '(prior)' then 'match'
            {%- for field in fields %} when '{{ field.name }}' then a.{{ field.name }}_level{% endfor %}
        end as level,
        case names.field when '(prior)' then a.log2_prior_odds
            {%- for field in fields %} when '{{ field.name }}' then a.{{ field.name }}_weight{% endfor %}
        end as weight
    from {{ accepted }} as a
    cross join (
        select '(prior)' as field
        {%- for field in fields %} union all select '{{ field.name }}'{% endfor %}
    ) as names) as explained
    -- A field one of the records lacks adds no evidence (weight 0): about half the rows at 10M.
    where level <> 'missing'
{%- endmacro %}

{% macro compared_columns(fields, l, r) -%}
    {#- Each field's level of agreement between records l and r, as <field>_level, and the
        frequency of l's value for the fields weighed by it, as <field>_frequency. -#}
    {%- set columns = [] -%}
    {%- for field in fields -%}
        {%- if field.given -%}
            {#- Both records with one first name: how common a last name is among that first
                name's people (int_contacts_matchable, first_name_lifts). -#}
            {%- set given_key = (fields | selectattr('name', 'equalto', field.given) | first).key -%}
            {%- for ratio in ('pairs_ratio', 'own_ratio') -%}
                {%- do columns.append('case when ' ~ l ~ '.' ~ given_key ~ ' = ' ~ r ~ '.' ~ given_key ~ ' then '
                    ~ l ~ '.' ~ field.given ~ '_' ~ ratio ~ ' end as ' ~ field.given ~ '_' ~ ratio) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if field.tf -%}
            {%- do columns.append(l ~ '.' ~ field.key ~ '_frequency as ' ~ field.name ~ '_frequency') -%}
        {%- endif -%}
        {%- do columns.append(comparison_level(field, l, r) ~ ' as ' ~ field.name ~ '_level') -%}
    {%- endfor -%}
    {{ columns | join(',\n') }}
{%- endmacro %}

{% macro blocking_rule_estimates(rules, relation) -%}
    {#- For each rule: its blocks of two or more records, the candidate pairs they give (blocks
        bigger than matching.max_block_size are skipped) and the records in skipped blocks. -#}
    {%- set max_block = match_setting('max_block_size') -%}
    {%- set selects = [] -%}
    {%- for rule in rules -%}
        {%- do selects.append(
            "select " ~ loop.index ~ " as rule_number, '" ~ rule | join(' + ') ~ "' as rule_keys, count(*) as blocks, "
            ~ "coalesce(sum(case when records <= " ~ max_block ~ " then cast(records as double) * (records - 1) / 2 end), 0)"
            ~ " as candidate_pairs, coalesce(sum(case when records > " ~ max_block ~ " then records end), 0)"
            ~ " as records_in_skipped_blocks from (select count(*) as records from " ~ relation ~ " where "
            ~ rule | join(' is not null and ') ~ " is not null group by " ~ rule | join(', ')
            ~ " having count(*) >= 2) as blocks"
        ) -%}
    {%- endfor -%}
    {{ selects | join('\nunion all\n') }}
{%- endmacro %}
