{#- Survivorship: the value of the record that ranks first, among records where it is not null. -#}

{% macro source_rank(source_column) -%}
    {#- 1 for the first source in matching.source_priority, then 2…; unlisted sources last. -#}
    {%- set priority = match_setting('source_priority') -%}
    {%- if not priority -%}
        {{ return('1') }}
    {%- endif -%}
    case {{ source_column }}
    {%- for source in priority %}
        when '{{ source }}' then {{ loop.index }}
    {%- endfor %}
        else {{ priority | length + 1 }}
    end
{%- endmacro %}
