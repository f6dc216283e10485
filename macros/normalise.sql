{#- Normalisation of match keys: the same value written two ways becomes one key.
    Each macro takes an expression already cleaned by clean_text/clean_email in staging and
    returns null when nothing usable is left, so "missing" never looks like a value. -#}

{% macro normalise_email(column) -%}
    {#- Lowercase; drop +sub-addressing; Gmail ignores dots and answers to googlemail.com too. -#}
    {#- regexp_extract, not split_part: DuckDB 2.0 fails to bind split_part in a case over a
        column that is all null (a client whose sources have no email). -#}
    {%- set local -%}regexp_extract(lower({{ column }}), '^([^@+]*)', 1){%- endset -%}
    {%- set domain -%}regexp_extract(lower({{ column }}), '@(.*)$', 1){%- endset -%}
    case
        when {{ column }} is null or {{ local }} = '' or {{ domain }} = '' then null
        when {{ domain }} in ('gmail.com', 'googlemail.com')
            then replace({{ local }}, '.', '') || '@gmail.com'
        else {{ local }} || '@' || {{ domain }}
    end
{%- endmacro %}

{% macro email_domain(column) -%}
    nullif(regexp_extract(lower({{ column }}), '@(.*)$', 1), '')
{%- endmacro %}

{% macro fold_letters(column) -%}
    {#- Lowercase ASCII letters only: accents stripped, letters that do not decompose mapped by
        hand, everything else (spaces, apostrophes, hyphens, the "?" of a lossy export) dropped. -#}
    {%- set folded = strip_accents(
        "translate(replace(replace(replace(lower(" ~ column ~ "), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), "
        ~ "'łøđħı', 'lodhi')"
    ) -%}
    nullif({{ replace_all(folded, '[^a-z]', '') }}, '')
{%- endmacro %}

{% macro normalise_postcode(column) -%}
    nullif(upper({{ replace_all(column, '[^A-Za-z0-9]', '') }}), '')
{%- endmacro %}

{% macro postcode_district(postcode_key, country_code) -%}
    {#- The outward code of a UK postcode (all but the last three characters): a neighbourhood. -#}
    case
        when {{ country_code }} = 'GB' and length({{ postcode_key }}) between 5 and 7
            then left({{ postcode_key }}, length({{ postcode_key }}) - 3)
    end
{%- endmacro %}

{% macro phone_digits(column) -%}
    {#- A phone number's digits, without the "(0)" written after a country code. -#}
    {{ replace_all("replace(" ~ column ~ ", '(0)', '')", '[^0-9]', '') }}
{%- endmacro %}

{% macro normalise_phone(column, country_code) -%}
    {#- E.164 ("+447700900123") from the ways people write numbers: "+44 (0)7700 900123",
        "0044 7700…", "07700…" (national, read with the record's country, UK when unknown). -#}
    {%- set plus -%}left(trim({{ column }}), 1) = '+'{%- endset -%}
    {%- set digits -%}{{ phone_digits(column) }}{%- endset -%}
    {%- set international -%}
        case
            when {{ plus }} then {{ digits }}
            when left({{ digits }}, 2) = '00' then substr({{ digits }}, 3)
            when left({{ digits }}, 1) = '0' and coalesce({{ country_code }}, 'GB') = 'GB'
                then '44' || substr({{ digits }}, 2)
            when left({{ digits }}, 1) = '0' and {{ country_code }} = 'IE'
                then '353' || substr({{ digits }}, 2)
            else {{ digits }}
        end
    {%- endset -%}
    case
        when length({{ international }}) between 8 and 15 then '+' || {{ international }}
    end
{%- endmacro %}

{% macro normalise_orcid(column) -%}
    {#- An ORCID iD as 0000-0000-0000-000X, from a bare id or an orcid.org URL; null unless
        the ISO 7064 MOD 11-2 check character is right (a typo'd iD must not link people). -#}
    {#- nullif: no iD in the value ("n/a", "pending", cut short) extracts '', which no engine
        casts to a digit; null is what a missing iD is. -#}
    {%- set bare -%}
        nullif(upper(regexp_extract(
            replace(replace({{ column }}, '-', ''), ' ', ''), '([0-9]{15}[0-9Xx])', 1
        )), '')
    {%- endset -%}
    case
        when {{ orcid_check_character(bare) }} = substr({{ bare }}, 16, 1)
            then substr({{ bare }}, 1, 4) || '-' || substr({{ bare }}, 5, 4) || '-'
                || substr({{ bare }}, 9, 4) || '-' || substr({{ bare }}, 13, 4)
    end
{%- endmacro %}

{% macro orcid_check_character(bare) -%}
    {#- ORCID's check: total = (total + digit) * 2 over 15 digits, i.e. the sum of digit_i * 2^(15-i);
        written out as plain arithmetic so every engine runs it. -#}
    {%- set terms = [] -%}
    {%- for i in range(15) -%}
        {%- do terms.append("cast(substr(" ~ bare ~ ", " ~ (i + 1) ~ ", 1) as bigint) * " ~ (2 ** (15 - i))) -%}
    {%- endfor -%}
    case (12 - ({{ terms | join(' + ') }}) % 11) % 11
        when 10 then 'X'
        else cast((12 - ({{ terms | join(' + ') }}) % 11) % 11 as string)
    end
{%- endmacro %}

{% macro normalise_customer_number(column) -%}
    {#- The client's own customer number as its digits without leading zeros: "C0012345",
        "12345" and "12345.0" (a number cell from a spreadsheet) are the same customer.
        Fewer than five digits is too short to tell customers apart once prefixes are gone. -#}
    {%- set digits = replace_all(replace_all(replace_all(column, '\\.0+$', ''), '[^0-9]', ''), '^0+', '') -%}
    case when length({{ digits }}) >= 5 then {{ digits }} end
{%- endmacro %}

{% macro normalise_identifier(column) -%}
    {#- An identifier (national id, membership number) as its letters and digits in capitals:
        "123-45-6789" and "123 45 6789" are one. Fewer than four is not an identifier. -#}
    {%- set bare = "upper(" ~ replace_all(column, '[^A-Za-z0-9]', '') ~ ")" -%}
    case when length({{ bare }}) >= 4 then {{ bare }} end
{%- endmacro %}

{% macro normalise_organisation(column) -%}
    {#- Words of an organisation's name, abbreviations spelled out, filler dropped, sorted:
        "Univ. of Leeds", "Leeds University" and "UNIVERSITY OF LEEDS" agree. -#}
    {%- set spelled_out = replace_all("lower(" ~ strip_accents(column) ~ ")", '\\buniv\\b\\.?', 'university') -%}
    {%- set words_only = replace_all(spelled_out, '\\b(of|the|and|for|at)\\b|[^a-z ]', ' ') -%}
    {{ sorted_words(replace_all(words_only, '\\s+', ' ')) }}
{%- endmacro %}

{% macro proper_case(column) -%}
    {#- A name typed in all capitals or all lower case gets capitals on each word; a name
        typed with mixed case (McDonald, van der Berg) is left as its owner wrote it. -#}
    case
        when {{ column }} = upper({{ column }}) or {{ column }} = lower({{ column }})
            then {{ capitalise_words(column) }}
        else {{ column }}
    end
{%- endmacro %}
