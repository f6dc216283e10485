{#- Normalisation of match keys: the same value written two ways becomes one key.
    Each macro takes an expression already cleaned by clean_text/clean_email in staging and
    returns null when nothing usable is left, so "missing" never looks like a value. -#}

{% macro normalise_email(column) -%}
    {#- Lowercase; drop +sub-addressing; Gmail ignores dots and answers to googlemail.com too. -#}
    {%- set local -%}split_part(split_part(lower({{ column }}), '@', 1), '+', 1){%- endset -%}
    {%- set domain -%}split_part(lower({{ column }}), '@', 2){%- endset -%}
    case
        when {{ column }} is null or {{ local }} = '' or {{ domain }} = '' then null
        when {{ domain }} in ('gmail.com', 'googlemail.com')
            then replace({{ local }}, '.', '') || '@gmail.com'
        else {{ local }} || '@' || {{ domain }}
    end
{%- endmacro %}

{% macro email_domain(column) -%}
    nullif(split_part(lower({{ column }}), '@', 2), '')
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

{% macro strip_accents(expression) -%}
    {{ return(adapter.dispatch('strip_accents', 'scv')(expression)) }}
{%- endmacro %}

{% macro default__strip_accents(expression) -%}
    strip_accents({{ expression }})
{%- endmacro %}

{% macro spark__strip_accents(expression) -%}
    {#- DuckDB's strip_accents: canonical decomposition, every combining mark dropped, composed
        again (ICU ships with Spark; Java's own Normalizer takes an enum reflect cannot pass). -#}
    case when {{ expression }} is not null then reflect(
        'com.ibm.icu.text.Normalizer', 'compose',
        regexp_replace(reflect('com.ibm.icu.text.Normalizer', 'decompose', {{ expression }}, false), '\\p{M}', ''),
        false
    ) end
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

{% macro normalise_phone(column, country_code) -%}
    {#- E.164 ("+447700900123") from the ways people write numbers: "+44 (0)7700 900123",
        "0044 7700…", "07700…" (national, read with the record's country, UK when unknown). -#}
    {%- set plus -%}left(trim({{ column }}), 1) = '+'{%- endset -%}
    {%- set digits -%}{{ replace_all("replace(" ~ column ~ ", '(0)', '')", '[^0-9]', '') }}{%- endset -%}
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

{% macro normalise_organisation(column) -%}
    {#- Words of an organisation's name, abbreviations spelled out, filler dropped, sorted:
        "Univ. of Leeds", "Leeds University" and "UNIVERSITY OF LEEDS" agree. -#}
    {%- set spelled_out = replace_all("lower(" ~ strip_accents(column) ~ ")", '\\buniv\\b\\.?', 'university') -%}
    {%- set words_only = replace_all(spelled_out, '\\b(of|the|and|for|at)\\b|[^a-z ]', ' ') -%}
    {{ sorted_words(replace_all(words_only, '\\s+', ' ')) }}
{%- endmacro %}

{% macro sorted_words(expression) -%}
    {{ return(adapter.dispatch('sorted_words', 'scv')(expression)) }}
{%- endmacro %}

{% macro default__sorted_words(expression) -%}
    nullif(array_to_string(list_sort(list_filter(string_split(trim({{ expression }}), ' '), lambda w: w <> '')), ' '), '')
{%- endmacro %}

{% macro spark__sorted_words(expression) -%}
    nullif(array_join(array_sort(filter(split(trim({{ expression }}), ' '), w -> w <> '')), ' '), '')
{%- endmacro %}

{% macro string_similarity(left, right) -%}
    {{ return(adapter.dispatch('string_similarity', 'scv')(left, right)) }}
{%- endmacro %}

{% macro default__string_similarity(left, right) -%}
    jaro_winkler_similarity({{ left }}, {{ right }})
{%- endmacro %}

{% macro spark__string_similarity(left, right) -%}
    {#- DuckDB's Jaro-Winkler, step for step, in Spark's higher-order functions (Spark's own
        jaro_winkler_similarity halves transpositions without rounding down and adds the prefix
        bonus below a Jaro of 0.7, so it disagrees on about one pair in twenty). Each character
        of `right` takes the first unmatched equal character of `left` within half the longer
        length less one; transpositions are the matched characters out of order, halved and
        rounded down; a Jaro above 0.7 gains 0.1 per common leading character, up to four, of
        what it lacks to 1.
        `transform(array(x), v -> …)[0]` names an intermediate value v. -#}
    {%- set empty = 'cast(array() as array<int>)' -%}
    {%- set window -%}
        case when least(length(w.pv), j + w.bound) >= greatest(1, j - w.bound)
            then sequence(greatest(1, j - w.bound), least(length(w.pv), j + w.bound)) else {{ empty }} end
    {%- endset -%}
    {%- set matched -%}
        aggregate(
            case when length(w.tv) > 0 then sequence(1, length(w.tv)) else {{ empty }} end,
            named_struct('pm', {{ empty }}, 'tm', {{ empty }}),
            (acc, j) -> transform(
                array(try_element_at(filter({{ window }},
                    i -> substr(w.pv, i, 1) = substr(w.tv, j, 1) and not array_contains(acc.pm, i)), 1)),
                found -> case when found is null then acc
                    else named_struct('pm', concat(acc.pm, array(found)), 'tm', concat(acc.tm, array(j))) end
            )[0]
        )
    {%- endset -%}
    {%- set transpositions -%}
        size(filter(sequence(1, greatest(size(m.tm), 1)), k -> k <= size(m.tm)
            and substr(w.tv, element_at(m.tm, k), 1) <> substr(w.pv, element_at(array_sort(m.pm), k), 1)))
    {%- endset -%}
    {%- set jaro -%}
        case
            when w.lp = 0 or w.lt = 0 then 0D
            when w.lp = 1 and w.lt = 1 then case when w.l = w.r then 1D else 0D end
            when size(m.tm) = 0 then 0D
            else (size(m.tm) / w.lp + size(m.tm) / w.lt
                + (size(m.tm) - ({{ transpositions }} div 2)) / size(m.tm)) / 3
        end
    {%- endset -%}
    {%- set prefix -%}
        case
            {%- for n in [4, 3, 2, 1] %}
            when least(w.lp, w.lt) >= {{ n }} and left(w.l, {{ n }}) = left(w.r, {{ n }}) then {{ n }}
            {%- endfor %}
            else 0
        end
    {%- endset -%}
    case when {{ left }} is not null and {{ right }} is not null then transform(
        array(transform(
            array(named_struct(
                'l', {{ left }}, 'r', {{ right }}, 'lp', length({{ left }}), 'lt', length({{ right }}),
                'bound', cast(case when length({{ right }}) > length({{ left }})
                    then length({{ right }}) div 2 - 1 else length({{ left }}) div 2 - 1 end as int)
            )),
            -- Characters beyond the other string's length plus the window can never match.
            v -> named_struct(
                'l', v.l, 'r', v.r, 'lp', v.lp, 'lt', v.lt, 'bound', v.bound,
                'pv', case when v.lt <= v.lp and v.lp > v.lt + v.bound then left(v.l, v.lt + v.bound) else v.l end,
                'tv', case when v.lt > v.lp and v.lt > v.lp + v.bound then left(v.r, v.lp + v.bound) else v.r end
            )
        )[0]),
        w -> transform(
            array({{ matched }}),
            m -> transform(
                array({{ jaro }}),
                jaro -> transform(
                    array({{ prefix }} * 0.1D),
                    -- DuckDB's compiled bonus is one fused multiply-add (a single rounding).
                    bonus -> case when jaro > 0.7D and bonus > 0
                        then cast(reflect('java.lang.Math', 'fma', bonus, 1D - jaro, jaro) as double) else jaro end
                )[0]
            )[0]
        )[0]
    )[0] end
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

{% macro capitalise_words(column) -%}
    {{ return(adapter.dispatch('capitalise_words', 'scv')(column)) }}
{%- endmacro %}

{% macro default__capitalise_words(column) -%}
    array_to_string(
        list_transform(string_split(lower({{ column }}), ' '), lambda w: upper(left(w, 1)) || substr(w, 2)),
        ' '
    )
{%- endmacro %}

{% macro spark__capitalise_words(column) -%}
    array_join(transform(split(lower({{ column }}), ' '), w -> upper(left(w, 1)) || substr(w, 2)), ' ')
{%- endmacro %}
