{% macro name_part(column, part) -%}
    {#- One part (title, first, last) of a full name written as "Dr Jane Smith",
        "Jane van der Berg" or "SMITH, Jane". A name of one word ("SMITH", "Mr Smith", "Smith,")
        is the last name: registers write the family name when they have only one, and
        matching compares a lone name with both of the other record's (the 'swapped' level). -#}
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
        case when {{ column }} like '%,%' or {{ without_title }} like '% %' then
            nullif(regexp_extract({{ without_title }}, {{ regex('^(\\S+)') }}, 1), '')
        end
    {%- elif part == 'last' -%}
        case when {{ column }} like '%,%'
            then nullif(trim(split_part({{ column }}, ',', 1)), '')
            when {{ without_title }} like '% %'
                then nullif(trim(regexp_replace({{ without_title }}, {{ regex('^\\S+\\s*') }}, '')), '')
            else nullif({{ without_title }}, '')
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("name_part: part must be title, first or last, not " ~ part) }}
    {%- endif -%}
{%- endmacro %}
