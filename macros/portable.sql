{#- The few SQL functions that are spelled differently from engine to engine. Models and
    other macros call these, never the engine's own spelling, so a Spark target only has to
    add spark__ versions here. -#}

{% macro replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('replace_all', 'scv')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro matches(text, pattern) -%}
    {{ return(adapter.dispatch('matches', 'scv')(text, pattern)) }}
{%- endmacro %}

{% macro default__matches(text, pattern) -%}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro epoch_seconds(timestamp) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'scv')(timestamp)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp) -%}
    epoch({{ timestamp }})
{%- endmacro %}

{% macro sorted_string_agg(column, separator) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'scv')(column, separator)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(column, separator) -%}
    string_agg({{ column }}, '{{ separator }}' order by {{ column }})
{%- endmacro %}
