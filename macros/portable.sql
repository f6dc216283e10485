{#- Every macro whose SQL differs from engine to engine, in this one file: the dispatcher, then
    DuckDB's version (default__), then Spark's (spark__, dbt-spark), which computes the same.
    Models and other macros call the dispatcher, never an engine's own spelling. -#}

{% macro regex(pattern) -%}
    {#- A regular expression as a SQL string literal, written as RE2 (DuckDB) reads it. -#}
    {{ return(adapter.dispatch('regex', 'scv')(pattern)) }}
{%- endmacro %}

{% macro default__regex(pattern) -%}
    '{{ pattern }}'
{%- endmacro %}

{% macro spark__regex(pattern) -%}
    {#- Spark string literals treat a backslash as an escape, so each is doubled; and Java's \b
        counts any Unicode letter as a word character where RE2's counts only ASCII, so it is
        spelled out as RE2 means it. -#}
    {%- set ascii_word = '[0-9A-Za-z_]' -%}
    {%- set boundary = '(?:(?<=' ~ ascii_word ~ ')(?!' ~ ascii_word ~ ')|(?<!' ~ ascii_word ~ ')(?=' ~ ascii_word ~ '))' -%}
    '{{ pattern | replace('\\b', boundary) | replace('\\', '\\\\') }}'
{%- endmacro %}

{% macro replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('replace_all', 'scv')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__replace_all(text, pattern, replacement) -%}
    {#- Spark's regexp_replace replaces every match; replacements here are plain text. -#}
    regexp_replace({{ text }}, {{ regex(pattern) }}, '{{ replacement }}')
{%- endmacro %}

{% macro matches(text, pattern) -%}
    {{ return(adapter.dispatch('matches', 'scv')(text, pattern)) }}
{%- endmacro %}

{% macro default__matches(text, pattern) -%}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches(text, pattern) -%}
    ({{ text }} rlike {{ regex(pattern) }})
{%- endmacro %}

{% macro epoch_seconds(timestamp) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'scv')(timestamp)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp) -%}
    epoch({{ timestamp }})
{%- endmacro %}

{% macro spark__epoch_seconds(timestamp) -%}
    (unix_micros(cast({{ timestamp }} as timestamp_ltz)) / 1e6)
{%- endmacro %}

{% macro sorted_distinct_list(column) -%}
    {#- An aggregate: the distinct non-null values of a group as a sorted list. -#}
    {{ return(adapter.dispatch('sorted_distinct_list', 'scv')(column)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(column) -%}
    list_sort(list_distinct(list({{ column }})))
{%- endmacro %}

{% macro join_list(list, separator) -%}
    {{ return(adapter.dispatch('join_list', 'scv')(list, separator)) }}
{%- endmacro %}

{% macro default__join_list(list, separator) -%}
    array_to_string({{ list }}, '{{ separator }}')
{%- endmacro %}

{% macro list_size(list) -%}
    {{ return(adapter.dispatch('list_size', 'scv')(list)) }}
{%- endmacro %}

{% macro default__list_size(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__sorted_distinct_list(column) -%}
    array_sort(collect_set({{ column }}))
{%- endmacro %}

{% macro spark__join_list(list, separator) -%}
    array_join({{ list }}, '{{ separator }}')
{%- endmacro %}

{% macro spark__list_size(list) -%}
    cast(size({{ list }}) as bigint)
{%- endmacro %}

{#- Dates and timestamps of the delivery (cleaning). -#}

{% macro parse_date(column, month_first=false) -%}
    {{ return(adapter.dispatch('parse_date', 'scv')(column, month_first)) }}
{%- endmacro %}

{% macro default__parse_date(column, month_first=false) -%}
    {#- The date formats deliveries use, one per value chosen by its shape (a failed parse costs
        ten times a good one): ISO, compact (19560409), day-first with / . or - (month-first
        when the profile found the column writes them so), with four- or two-digit years, and
        the month in words (9 Apr 1956). -#}
    {%- set v = 'trim(' ~ column ~ ')' -%}
    {%- set order = "'%m/%d/%Y'" if month_first else "'%d/%m/%Y'" -%}
    case
        when {{ v }} like '____-%' then try_cast({{ v }} as date)
        when regexp_full_match({{ v }}, '[0-9]{8}') then try_cast(try_strptime({{ v }}, '%Y%m%d') as date)
        when regexp_full_match({{ v }}, '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}')
            then try_cast(try_strptime({{ full_year_date(v, month_first) }}, {{ order }}) as date)
        when regexp_matches({{ v }}, '[A-Za-z]')
            then try_cast(try_strptime({{ v }}, ['%d %b %Y', '%d %B %Y', '%d-%b-%Y', '%b %d, %Y', '%B %d, %Y']) as date)
        else try_cast(try_strptime(translate({{ v }}, '.-', '//'), {{ order }}) as date)
    end
{%- endmacro %}

{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'scv')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    {#- ISO (the cast), then the day-first forms UK and European systems export, with or without
        seconds or a time. One format per value, chosen by its shape, as in parse_date. -#}
    case
        when trim({{ column }}) like '____-%' then try_cast(trim({{ column }}) as timestamp)
        when trim({{ column }}) like '%:%:%'
            then try_strptime(replace(trim({{ column }}), '.', '/'), '%d/%m/%Y %H:%M:%S')
        when trim({{ column }}) like '%:%' then try_strptime(replace(trim({{ column }}), '.', '/'), '%d/%m/%Y %H:%M')
        else try_strptime(replace(trim({{ column }}), '.', '/'), '%d/%m/%Y')
    end
{%- endmacro %}

{% macro spark__parse_date(column, month_first=false) -%}
    {%- set v = 'trim(' ~ column ~ ')' -%}
    {%- set order = "'M/d/y'" if month_first else "'d/M/y'" -%}
    case
        when {{ v }} like '____-%' then to_date(cast({{ spark_iso_date_text(column) }} as timestamp))
        when {{ v }} rlike '^[0-9]{8}$' then to_date(try_to_timestamp({{ v }}, 'yyyyMMdd'))
        when {{ v }} rlike '^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}$'
            then to_date(try_to_timestamp({{ full_year_date(v, month_first) }}, {{ order }}))
        when {{ v }} rlike '[A-Za-z]' then coalesce(
            {%- for pattern in ['d MMM y', 'd MMMM y', 'd-MMM-y', 'MMM d, y', 'MMMM d, y'] %}
            to_date(try_to_timestamp({{ v }}, '{{ pattern }}')){{ "," if not loop.last }}
            {%- endfor %}
        )
        else to_date(try_to_timestamp(translate({{ v }}, '.-', '//'), {{ order }}))
    end
{%- endmacro %}

{% macro spark__parse_timestamp(column) -%}
    case
        when trim({{ column }}) like '____-%' then cast({{ spark_iso_date_text(column) }} as timestamp)
        when trim({{ column }}) like '%:%:%' then to_timestamp(replace(trim({{ column }}), '.', '/'), 'd/M/y H:m:s')
        when trim({{ column }}) like '%:%' then to_timestamp(replace(trim({{ column }}), '.', '/'), 'd/M/y H:m')
        else to_timestamp(replace(trim({{ column }}), '.', '/'), 'd/M/y')
    end
{%- endmacro %}

{#- Clustering's round tables (connected components). -#}

{% macro round_table(relation) -%}
    {{ return(adapter.dispatch('round_table', 'scv')(relation)) }}
{%- endmacro %}

{% macro default__round_table(relation) -%}
    create table {{ relation }} as
{%- endmacro %}

{% macro spark__round_table(relation) -%}
    create table {{ relation }} using parquet as
{%- endmacro %}

{#- The delivery as the models' sources: nothing to do on DuckDB, which loads it into the build's
    own file (schema raw); on Spark the build hands it over as Parquet, read and checked once by
    the DuckDB loader, and this on-run-start hook makes each folder a view of the raw schema. -#}

{% macro register_delivery() -%}
    {{ return(adapter.dispatch('register_delivery', 'scv')()) }}
{%- endmacro %}

{% macro default__register_delivery() -%}
{%- endmacro %}

{% macro spark__register_delivery() -%}
    {%- if execute -%}
        {%- set folder = env_var('SCV_SPARK_EXCHANGE', 'work/spark') ~ '/raw' -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values()
            if source.schema == 'raw'
            and (source.original_file_path.startswith('models/clients/' ~ var('client') ~ '/')
                 or source.original_file_path.startswith('models/shared/')) -%}
            {#- A view on the files: a relative path is read from dbt's working directory. -#}
            {%- do run_query(
                'create or replace view raw.' ~ source.identifier
                ~ ' as select * from parquet.`' ~ folder ~ '/' ~ source.identifier ~ '`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Comparisons (matching). -#}

{% macro within_one_edit(left, right) -%}
    {#- At most one character added, dropped or changed, or two neighbours swapped (Damerau-
        Levenshtein distance at most 1): a digit mistyped, 1965 for 1956. -#}
    {{ return(adapter.dispatch('within_one_edit', 'scv')(left, right)) }}
{%- endmacro %}

{% macro default__within_one_edit(left, right) -%}
    {#- DuckDB's damerau_levenshtein is costly (2 µs a pair): it runs only on the few pairs
        that could be one edit apart. One edit at any place leaves either the first h or the last
        h characters alike, h being half the shorter length less one, so the test below
        excludes no pair within one edit. -#}
    {%- set half = 'greatest(least(length(' ~ left ~ '), length(' ~ right ~ ')) // 2 - 1, 0)' -%}
    {#- A case, not an and: DuckDB evaluates both sides of an and over the whole vector. -#}
    case
        when abs(length({{ left }}) - length({{ right }})) <= 1
            and (left({{ left }}, {{ half }}) = left({{ right }}, {{ half }})
                or right({{ left }}, {{ half }}) = right({{ right }}, {{ half }}))
            then damerau_levenshtein({{ left }}, {{ right }}) <= 1
        else false
    end
{%- endmacro %}

{% macro spark__within_one_edit(left, right) -%}
    (levenshtein({{ left }}, {{ right }}) <= 1 or (
        length({{ left }}) = length({{ right }}) and length({{ left }}) >= 2
        and exists(sequence(1, length({{ left }}) - 1), i -> concat(
            substr({{ left }}, 1, i - 1), substr({{ left }}, i + 1, 1), substr({{ left }}, i, 1), substr({{ left }}, i + 2)
        ) = {{ right }})
    ))
{%- endmacro %}

{#- Normalisation of names and text. -#}

{% macro strip_accents(expression) -%}
    {{ return(adapter.dispatch('strip_accents', 'scv')(expression)) }}
{%- endmacro %}

{% macro default__strip_accents(expression) -%}
    strip_accents({{ expression }})
{%- endmacro %}

{% macro spark__strip_accents(expression) -%}
    {#- DuckDB's strip_accents: canonical decomposition, every combining mark dropped, composed
        again (ICU ships with Spark; Java's own Normalizer takes an enum reflect cannot pass). -#}
    case when {{ expression }} is not null then reflect(
        'com.ibm.icu.text.Normalizer', 'compose',
        regexp_replace(reflect('com.ibm.icu.text.Normalizer', 'decompose', {{ expression }}, false), '\\p{M}', ''),
        false
    ) end
{%- endmacro %}

{% macro sorted_words(expression) -%}
    {{ return(adapter.dispatch('sorted_words', 'scv')(expression)) }}
{%- endmacro %}

{% macro default__sorted_words(expression) -%}
    nullif(array_to_string(list_sort(list_filter(string_split(trim({{ expression }}), ' '), lambda w: w <> '')), ' '), '')
{%- endmacro %}

{% macro spark__sorted_words(expression) -%}
    nullif(array_join(array_sort(filter(split(trim({{ expression }}), ' '), w -> w <> '')), ' '), '')
{%- endmacro %}

{% macro string_similarity(left, right) -%}
    {{ return(adapter.dispatch('string_similarity', 'scv')(left, right)) }}
{%- endmacro %}

{% macro default__string_similarity(left, right) -%}
    jaro_winkler_similarity({{ left }}, {{ right }})
{%- endmacro %}

{% macro spark__string_similarity(left, right) -%}
    {#- DuckDB's Jaro-Winkler, step for step, in Spark's higher-order functions (Spark's own
        jaro_winkler_similarity halves transpositions without rounding down and adds the prefix
        bonus below a Jaro of 0.7, so it disagrees on about one pair in twenty). Each character
        of `right` takes the first unmatched equal character of `left` within half the longer
        length less one; transpositions are the matched characters out of order, halved and
        rounded down; a Jaro above 0.7 gains 0.1 per common leading character, up to four, of
        what it lacks to 1.
        `transform(array(x), v -> …)[0]` names an intermediate value v. -#}
    {%- set empty = 'cast(array() as array<int>)' -%}
    {%- set window -%}
        case when least(length(w.pv), j + w.bound) >= greatest(1, j - w.bound)
            then sequence(greatest(1, j - w.bound), least(length(w.pv), j + w.bound)) else {{ empty }} end
    {%- endset -%}
    {%- set matched -%}
        aggregate(
            case when length(w.tv) > 0 then sequence(1, length(w.tv)) else {{ empty }} end,
            named_struct('pm', {{ empty }}, 'tm', {{ empty }}),
            (acc, j) -> transform(
                array(try_element_at(filter({{ window }},
                    i -> substr(w.pv, i, 1) = substr(w.tv, j, 1) and not array_contains(acc.pm, i)), 1)),
                found -> case when found is null then acc
                    else named_struct('pm', concat(acc.pm, array(found)), 'tm', concat(acc.tm, array(j))) end
            )[0]
        )
    {%- endset -%}
    {%- set transpositions -%}
        size(filter(sequence(1, greatest(size(m.tm), 1)), k -> k <= size(m.tm)
            and substr(w.tv, element_at(m.tm, k), 1) <> substr(w.pv, element_at(array_sort(m.pm), k), 1)))
    {%- endset -%}
    {%- set jaro -%}
        case
            when w.lp = 0 or w.lt = 0 then 0D
            when w.lp = 1 and w.lt = 1 then case when w.l = w.r then 1D else 0D end
            when size(m.tm) = 0 then 0D
            else (size(m.tm) / w.lp + size(m.tm) / w.lt
                + (size(m.tm) - ({{ transpositions }} div 2)) / size(m.tm)) / 3
        end
    {%- endset -%}
    {%- set prefix -%}
        case
            {%- for n in [4, 3, 2, 1] %}
            when least(w.lp, w.lt) >= {{ n }} and left(w.l, {{ n }}) = left(w.r, {{ n }}) then {{ n }}
            {%- endfor %}
            else 0
        end
    {%- endset -%}
    case when {{ left }} is not null and {{ right }} is not null then transform(
        array(transform(
            array(named_struct(
                'l', {{ left }}, 'r', {{ right }}, 'lp', length({{ left }}), 'lt', length({{ right }}),
                'bound', cast(case when length({{ right }}) > length({{ left }})
                    then length({{ right }}) div 2 - 1 else length({{ left }}) div 2 - 1 end as int)
            )),
            -- Characters beyond the other string's length plus the window can never match.
            v -> named_struct(
                'l', v.l, 'r', v.r, 'lp', v.lp, 'lt', v.lt, 'bound', v.bound,
                'pv', case when v.lt <= v.lp and v.lp > v.lt + v.bound then left(v.l, v.lt + v.bound) else v.l end,
                'tv', case when v.lt > v.lp and v.lt > v.lp + v.bound then left(v.r, v.lp + v.bound) else v.r end
            )
        )[0]),
        w -> transform(
            array({{ matched }}),
            m -> transform(
                array({{ jaro }}),
                jaro -> transform(
                    array({{ prefix }} * 0.1D),
                    -- DuckDB's compiled bonus is one fused multiply-add (a single rounding).
                    bonus -> case when jaro > 0.7D and bonus > 0
                        then cast(reflect('java.lang.Math', 'fma', bonus, 1D - jaro, jaro) as double) else jaro end
                )[0]
            )[0]
        )[0]
    )[0] end
{%- endmacro %}

{% macro capitalise_words(column) -%}
    {{ return(adapter.dispatch('capitalise_words', 'scv')(column)) }}
{%- endmacro %}

{% macro default__capitalise_words(column) -%}
    array_to_string(
        list_transform(string_split(lower({{ column }}), ' '), lambda w: upper(left(w, 1)) || substr(w, 2)),
        ' '
    )
{%- endmacro %}

{% macro spark__capitalise_words(column) -%}
    array_join(transform(split(lower({{ column }}), ' '), w -> upper(left(w, 1)) || substr(w, 2)), ' ')
{%- endmacro %}

{#- Survivorship (the golden record). -#}

{% macro first_by(value, order_key) -%}
    {{ return(adapter.dispatch('first_by', 'scv')(value, order_key)) }}
{%- endmacro %}

{% macro default__first_by(value, order_key) -%}
    arg_min({{ value }}, {{ order_key }}) filter (where {{ value }} is not null)
{%- endmacro %}

{% macro spark__first_by(value, order_key) -%}
    min_by({{ value }}, {{ order_key }}) filter (where {{ value }} is not null)
{%- endmacro %}
