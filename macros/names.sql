{% macro name_part(column, part) -%}
    {#- One part (title, first, last) of a full name written as "Dr Jane Smith",
        "Jane van der Berg" or "SMITH, Jane". -#}
    {%- set title_re = "^(?i)(dr|prof|professor|mr|mrs|ms|miss|mx|sir|rev)\\.?\\s+" -%}
    {%- set without_title -%}
        trim(regexp_replace(
            case when {{ column }} like '%,%'
                then trim(split_part({{ column }}, ',', 2))
                else {{ column }}
            end, {{ regex(title_re) }}, ''))
    {%- endset -%}
    {%- if part == 'title' -%}
        nullif(trim(regexp_extract(
            case when {{ column }} like '%,%' then trim(split_part({{ column }}, ',', 2)) else {{ column }} end,
            {{ regex(title_re) }}, 1)), '')
    {%- elif part == 'first' -%}
        nullif(regexp_extract({{ without_title }}, {{ regex('^(\\S+)') }}, 1), '')
    {%- elif part == 'last' -%}
        case when {{ column }} like '%,%'
            then nullif(trim(split_part({{ column }}, ',', 1)), '')
            else nullif(trim(regexp_replace({{ without_title }}, {{ regex('^\\S+\\s*') }}, '')), '')
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("name_part: part must be title, first or last, not " ~ part) }}
    {%- endif -%}
{%- endmacro %}
