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

{% macro sorted_string_agg(column, separator) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'scv')(column, separator)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(column, separator) -%}
    string_agg({{ column }}, '{{ separator }}' order by {{ column }})
{%- endmacro %}

{% macro spark__sorted_string_agg(column, separator) -%}
    array_join(array_sort(collect_list({{ column }})), '{{ separator }}')
{%- endmacro %}
