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

{% macro parse_date(column, month_first=false) -%}
    {{ return(adapter.dispatch('parse_date', 'scv')(column, month_first)) }}
{%- endmacro %}

{% macro full_year_date(text, month_first) -%}
    {#- 3/5/98 as 3/5/1998 (d/m or m/d as the column writes them): a two-digit year after this
        year's is last century's, as in a date of birth; . and - as /. -#}
    {%- set slashed = "translate(" ~ text ~ ", '.-', '//')" -%}
    left({{ slashed }}, length({{ slashed }}) - 2)
    || cast(case when cast(right({{ slashed }}, 2) as int) > year(current_date) % 100 then 1900 else 2000 end
        + cast(right({{ slashed }}, 2) as int) as string)
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

{% macro spark_iso_date_text(column) -%}
    {#- What DuckDB's casts read as year-month-day (and a time after a space or T); Spark's
        casts also read a bare year or year-month, which DuckDB's do not, so only the rest is
        passed on. -#}
    case when trim({{ column }}) rlike '^[0-9]+-[0-9]+-[0-9]+([ T]|$)' then trim({{ column }}) end
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
