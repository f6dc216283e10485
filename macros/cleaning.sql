{#- Cleaning used by every client's staging models: the mess every delivery has. -#}

{% macro clean_text(column) -%}
    {#- Trim, collapse inner runs of whitespace, and turn blanks into nulls. -#}
    nullif(trim({{ replace_all(column, '\\s+', ' ') }}), '')
{%- endmacro %}

{% macro clean_email(column) -%}
    {#- Lowercase and strip spaces; anything without exactly one @ and a dot after it is not an email. -#}
    case
        when {{ matches("lower(replace(" ~ column ~ ", ' ', ''))", '^[^@]+@[^@]+\\.[^@]+$') }}
            then lower(replace({{ column }}, ' ', ''))
    end
{%- endmacro %}

{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date', 'scv')(column)) }}
{%- endmacro %}

{% macro default__parse_date(column) -%}
    {#- The date formats deliveries use: ISO, UK day-first, and ISO timestamps. -#}
    coalesce(
        try_cast(try_strptime(trim({{ column }}), ['%Y-%m-%d', '%d/%m/%Y', '%d.%m.%Y', '%d-%m-%Y']) as date),
        try_cast(trim({{ column }}) as date)
    )
{%- endmacro %}

{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'scv')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    {#- ISO first (the cast), then the day-first forms UK and European systems export. -#}
    coalesce(
        try_cast(trim({{ column }}) as timestamp),
        try_strptime(
            trim({{ column }}),
            ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y']
        )
    )
{%- endmacro %}

{% macro spark_iso_date_text(column) -%}
    {#- DuckDB's casts read year-month-day with -, / or a space between, and a time after a
        space or T; Spark's only with -, and also a bare year or year-month, which DuckDB's do
        not: so only what DuckDB reads is passed on, with - between. -#}
    case
        when trim({{ column }}) rlike '^[0-9]+([-/ ])[0-9]+\\1[0-9]+([ T]|$)'
            then regexp_replace(trim({{ column }}), '^([0-9]+)[-/ ]([0-9]+)[-/ ]([0-9]+)', '$1-$2-$3')
    end
{%- endmacro %}

{% macro spark__parse_date(column) -%}
    coalesce(
        to_date(trim({{ column }}), 'y-M-d'),
        to_date(trim({{ column }}), 'd/M/y'),
        to_date(trim({{ column }}), 'd.M.y'),
        to_date(trim({{ column }}), 'd-M-y'),
        to_date(cast({{ spark_iso_date_text(column) }} as timestamp))
    )
{%- endmacro %}

{% macro spark__parse_timestamp(column) -%}
    coalesce(
        cast({{ spark_iso_date_text(column) }} as timestamp),
        {%- for format in ['d/M/y H:m:s', 'd/M/y H:m', 'd/M/y', 'd.M.y H:m:s', 'd.M.y H:m', 'd.M.y'] %}
        to_timestamp(trim({{ column }}), '{{ format }}'){{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
