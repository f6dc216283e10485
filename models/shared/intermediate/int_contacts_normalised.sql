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
        left(spellings.first_name_key, 1) as first_initial
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
        spellings.last_name,
        {{ proper_case('spellings.last_name') }} as last_name_proper,
        {{ fold_letters('spellings.last_name') }} as last_name_key
    from (select distinct last_name from deduplicated) as spellings
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
        {{ normalise_customer_number('customer_number') }} as customer_number_key
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
        organisations.organisation_key
    from keyed
    left join first_names on keyed.first_name = first_names.first_name
    left join last_names on keyed.last_name = last_names.last_name
    left join organisations on keyed.organisation = organisations.organisation
    left join titles on lower(keyed.title) = titles.title
    left join free_mail_domains on {{ email_domain('keyed.email_key') }} = free_mail_domains.domain
)

select * from normalised
