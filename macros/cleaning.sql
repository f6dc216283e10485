{#- Cleaning used by every client's staging models: the mess every delivery has. -#}

{% macro clean_text(column) -%}
    {#- Trim, collapse inner runs of whitespace, and turn blanks into nulls. The regular
        expression runs only on the few values that need it: it is most of the cost otherwise. -#}
    nullif(trim(
        case
            when {{ column }} like '%  %' or {{ column }} like '%' || chr(9) || '%'
                or {{ column }} like '%' || chr(10) || '%' or {{ column }} like '%' || chr(13) || '%'
                then {{ replace_all(column, '\\s+', ' ') }}
            else {{ column }}
        end), '')
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
    {#- The date formats deliveries use: ISO, UK day-first (with / . or -), and ISO timestamps.
        One format per value, chosen by its shape: a failed parse costs ten times a good one. -#}
    case
        when trim({{ column }}) like '____-%' then try_cast(trim({{ column }}) as date)
        else try_cast(try_strptime(translate(trim({{ column }}), '.-', '//'), '%d/%m/%Y') as date)
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

{% macro spark_iso_date_text(column) -%}
    {#- What DuckDB's casts read as year-month-day (and a time after a space or T); Spark's
        casts also read a bare year or year-month, which DuckDB's do not, so only the rest is
        passed on. -#}
    case when trim({{ column }}) rlike '^[0-9]+-[0-9]+-[0-9]+([ T]|$)' then trim({{ column }}) end
{%- endmacro %}

{% macro spark__parse_date(column) -%}
    case
        when trim({{ column }}) like '____-%' then to_date(cast({{ spark_iso_date_text(column) }} as timestamp))
        else to_date(translate(trim({{ column }}), '.-', '//'), 'd/M/y')
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
