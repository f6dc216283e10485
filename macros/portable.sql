{#- The few SQL functions that are spelled differently from engine to engine. Models and
    other macros call these, never the engine's own spelling; the default__ versions are
    DuckDB's, the spark__ versions compute the same on Spark (dbt-spark). -#}

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
