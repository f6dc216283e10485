{#- Every source record of the client being built, once, on the canonical contact shape, with
    the normalised keys matching compares (macros/normalise.sql). -#}

with

deduplicated as (
    select * from {{ ref('int_contacts_deduplicated') }}
),

country_aliases as (
    select * from {{ ref('country_aliases') }}
),

countries as (
    select * from {{ ref('countries') }}
),

titles as (
    select * from {{ ref('titles') }}
),

free_mail_domains as (
    select * from {{ ref('free_mail_domains') }}
),

nicknames as (
    -- A nickname shared by two names (Alex) maps to one of them; the fuzzy level catches the other.
    select
        nickname,
        min(name) as formal_name
    from {{ ref('nicknames') }}
    group by nickname
),

with_country as (
    select
        deduplicated.*,
        coalesce(country_aliases.country_code, countries.country_code) as country_code
    from deduplicated
    left join country_aliases on lower(trim(deduplicated.country)) = country_aliases.alias
    left join countries on upper(trim(deduplicated.country)) = countries.country_code
),

first_names as (
    -- Each distinct name is normalised once and joined back: a million records have a few
    -- thousand first names, and the string work is most of this model's cost.
    select
        spellings.first_name,
        {{ proper_case('spellings.first_name') }} as first_name_proper,
        spellings.first_name_key,
        coalesce(nicknames.formal_name, spellings.first_name_key) as first_name_canonical,
        left(spellings.first_name_key, 1) as first_initial,
        {{ phonetic('spellings.first_name_key') }} as first_name_phonetic
    from (
        select
            distinct_names.first_name,
            {{ fold_letters('distinct_names.first_name') }} as first_name_key
        from (select distinct first_name from deduplicated) as distinct_names
    ) as spellings
    left join nicknames on spellings.first_name_key = nicknames.nickname
),

last_names as (
    select
        folded.last_name,
        folded.last_name_proper,
        folded.last_name_key,
        {{ phonetic('folded.last_name_key') }} as last_name_phonetic
    from (
        select
            spellings.last_name,
            {{ proper_case('spellings.last_name') }} as last_name_proper,
            {{ fold_letters('spellings.last_name') }} as last_name_key
        from (select distinct last_name from deduplicated) as spellings
    ) as folded
),

places as (
    -- The suburb or locality when there is one, else the town: two sources may name either.
    select
        spellings.place,
        {{ fold_letters('spellings.place') }} as place_key
    from (select distinct coalesce(locality, city) as place from deduplicated) as spellings
),

streets as (
    -- The street without its house number (kept apart) and without what follows a comma
    -- (a locality written on the same line): "12a High St., Upton" is "highst".
    select
        spellings.address_line1,
        {{ fold_letters(
            replace_all("regexp_extract(spellings.address_line1, '^([^,]*)', 1)", '^[^A-Za-z]*[0-9][0-9A-Za-z]*[ ,/-]+', '')
        ) }} as street_key,
        nullif(regexp_extract(spellings.address_line1, '^ *([0-9]+)', 1), '') as leading_number
    from (select distinct address_line1 from deduplicated) as spellings
),

organisations as (
    select
        spellings.organisation,
        {{ normalise_organisation('spellings.organisation') }} as organisation_key
    from (select distinct organisation from deduplicated) as spellings
),

keyed as (
    select
        with_country.*,
        -- bigint as DuckDB's row_number gives it (Spark's is an int).
        cast(row_number() over (order by with_country.source, with_country.source_record_id) as bigint)
            as record_index,
        {{ normalise_email('email') }} as email_key,
        {{ normalise_postcode('postcode') }} as postcode_key,
        {{ normalise_phone('phone', 'country_code') }} as phone_key,
        {{ normalise_orcid('orcid') }} as orcid_key,
        {{ normalise_customer_number('customer_number') }} as customer_number_key,
        {{ normalise_identifier('national_id') }} as national_id_key,
        {{ normalise_identifier('membership_number') }} as membership_number_key,
        nullif(lower(regexp_extract(with_country.street_number, '([0-9]+[A-Za-z]?)', 1)), '') as street_number_digits,
        nullif(lower(trim(with_country.region)), '') as region_key
    from with_country
),

normalised as (
    select
        keyed.record_index,
        keyed.source,
        keyed.source_record_id,
        keyed.customer_number,
        coalesce(titles.title_normalised, keyed.title) as title,
        first_names.first_name_proper as first_name,
        last_names.last_name_proper as last_name,
        lower(keyed.email) as email,
        keyed.phone,
        keyed.organisation,
        keyed.address_line1,
        keyed.city,
        keyed.postcode,
        keyed.country_code,
        keyed.birth_date,
        keyed.record_updated_at,
        keyed.email_key,
        {{ email_domain('keyed.email_key') }} as email_domain,
        free_mail_domains.domain is not null as is_free_mail,
        first_names.first_name_key,
        first_names.first_name_canonical,
        first_names.first_initial,
        last_names.last_name_key,
        keyed.postcode_key,
        {{ postcode_district('keyed.postcode_key', 'keyed.country_code') }} as postcode_district,
        keyed.phone_key,
        keyed.orcid_key,
        keyed.customer_number_key,
        organisations.organisation_key,
        keyed.national_id,
        keyed.membership_number,
        keyed.street_number,
        keyed.address_line2,
        keyed.locality,
        keyed.region,
        keyed.national_id_key,
        keyed.membership_number_key,
        first_names.first_name_phonetic,
        last_names.last_name_phonetic,
        coalesce(keyed.street_number_digits, streets.leading_number) as street_number_key,
        streets.street_key,
        places.place_key,
        keyed.region_key
    from keyed
    left join first_names on keyed.first_name = first_names.first_name
    left join last_names on keyed.last_name = last_names.last_name
    left join organisations on keyed.organisation = organisations.organisation
    left join streets on keyed.address_line1 = streets.address_line1
    left join places on coalesce(keyed.locality, keyed.city) = places.place
    left join titles on lower(keyed.title) = titles.title
    left join free_mail_domains on {{ email_domain('keyed.email_key') }} = free_mail_domains.domain
)

select * from normalised
