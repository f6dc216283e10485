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

{% macro clean_phone(column) -%}
    {#- The number as delivered, or null when it cannot be one ("n/a", "tbc", "0161"): fewer
        than seven digits or more than E.164's fifteen, counted as normalise_phone counts them,
        so the finding names its line. One regular expression: this runs on every row. -#}
    case
        when length({{ phone_digits(column) }}) between 7 and 15
            then {{ clean_text(column) }}
    end
{%- endmacro %}

{% macro clean_identifier(column) -%}
    {#- A national id or membership number as delivered, or null when matching could not use it
        (fewer than four letters and digits: "-", "n/a", "0"), so a finding names its line. -#}
    case when {{ normalise_identifier(clean_text(column)) }} is not null then {{ clean_text(column) }} end
{%- endmacro %}

{% macro full_year_date(text, month_first) -%}
    {#- 3/5/98 as 3/5/1998 (d/m or m/d as the column writes them): a two-digit year after this
        year's is last century's, as in a date of birth; . and - as /. -#}
    {%- set slashed = "translate(" ~ text ~ ", '.-', '//')" -%}
    left({{ slashed }}, length({{ slashed }}) - 2)
    || cast(case when cast(right({{ slashed }}, 2) as int) > year(current_date) % 100 then 1900 else 2000 end
        + cast(right({{ slashed }}, 2) as int) as string)
{%- endmacro %}

{% macro spark_iso_date_text(column) -%}
    {#- What DuckDB's casts read as year-month-day (and a time after a space or T); Spark's
        casts also read a bare year or year-month, which DuckDB's do not, so only the rest is
        passed on. -#}
    case when trim({{ column }}) rlike '^[0-9]+-[0-9]+-[0-9]+([ T]|$)' then trim({{ column }}) end
{%- endmacro %}
