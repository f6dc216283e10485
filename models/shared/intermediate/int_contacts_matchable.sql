{#- The keys matching compares, with hub keys removed and each key's value frequency.

    A hub key is an email or phone number that stands for many people: a role mailbox
    (library@, orders@ from seeds/shared_mailbox_names), or a value shared by more records than
    matching.max_group_size or by more different surnames than matching.hub_names (a
    department's switchboard). Such a value is treated as missing: it links nobody. -#}

with

contacts as (
    select * from {{ ref('int_contacts_normalised') }}
),

shared_mailbox_names as (
    select * from {{ ref('shared_mailbox_names') }}
),

key_values as (
    select
        'email' as key_name,
        email_key as key_value,
        last_name_key
    from contacts
    where email_key is not null
    union all
    select
        'phone' as key_name,
        phone_key as key_value,
        last_name_key
    from contacts
    where phone_key is not null
),

hubs as (
    select
        key_name,
        key_value
    from key_values
    group by key_name, key_value
    having
        count(*) > {{ match_setting('max_group_size') }}
        or count(distinct last_name_key) > {{ match_setting('hub_names') }}
),

without_hubs as (
    select
        contacts.record_index,
        case
            when email_hubs.key_value is null and shared_mailbox_names.local_part is null
                then contacts.email_key
        end as email_key,
        -- A work mailbox's domain: two different mailboxes at one organisation's domain are
        -- usually two colleagues (the organisation comparison's level "colleague").
        case
            when email_hubs.key_value is null and shared_mailbox_names.local_part is null and not contacts.is_free_mail
                then contacts.email_domain
        end as work_email_domain,
        contacts.first_name_key,
        contacts.first_name_canonical,
        contacts.first_initial,
        contacts.last_name_key,
        contacts.postcode_key,
        contacts.postcode_district,
        case when phone_hubs.key_value is null then contacts.phone_key end as phone_key,
        contacts.orcid_key,
        contacts.customer_number_key,
        contacts.birth_date,
        contacts.organisation_key,
        contacts.country_code,
        contacts.national_id_key,
        contacts.membership_number_key,
        contacts.first_name_phonetic,
        contacts.last_name_phonetic,
        contacts.street_number_key,
        contacts.street_key,
        contacts.place_key,
        contacts.region_key,
        email_hubs.key_value is not null or shared_mailbox_names.local_part is not null as is_hub_email,
        phone_hubs.key_value is not null as is_hub_phone
    from contacts
    left join hubs as email_hubs
        on email_hubs.key_name = 'email' and contacts.email_key = email_hubs.key_value
    left join hubs as phone_hubs
        on phone_hubs.key_name = 'phone' and contacts.phone_key = phone_hubs.key_value
    left join shared_mailbox_names
        on regexp_extract(contacts.email_key, '^([^@]*)', 1) = shared_mailbox_names.local_part
),

record_count as (
    select
        count(*) as records,
        greatest(count(*), {{ match_setting('min_population') }}) as n
    from without_hubs
),
{% for field in match_fields() if field.tf %}

{{ field.key }}_counts as (
    select
        {{ field.key }} as key_value,
        count(*) as records
    from without_hubs
    where {{ field.key }} is not null
    group by {{ field.key }}
),
{%- endfor %}

full_names as (
    select
        without_hubs.first_name_key,
        without_hubs.last_name_key,
        count(*) as records
    from without_hubs
    where without_hubs.first_name_key is not null and without_hubs.last_name_key is not null
    group by without_hubs.first_name_key, without_hubs.last_name_key
),

first_name_lifts as (
    -- Names come in families and cultures (Wei Wang, Siobhan Murphy): two people with one first
    -- name share a last name more often than the last name's frequency says, and Fellegi-Sunter
    -- would count the two agreements as independent. Per first name: the pairs of its records
    -- that share a last name (pairs_ratio) over the pairs expected if its people drew last names
    -- from everyone's. Some of those pairs are one person's own records; scoring takes them out
    -- with the learned prior (own_ratio: the first name's records x the other records, over the
    -- same expected pairs). First names of fewer than 100 records say too little: they keep the
    -- last name's own frequency.
    select
        full_names.first_name_key,
        sum(full_names.records * (full_names.records - 1)) as observed_pairs,
        sum(full_names.records) * (record_count.records - 1) as own_pairs,
        (sum(full_names.records) - 1) * sum(full_names.records * last_name_key_counts.records / record_count.n)
            as expected_pairs
    from full_names
    inner join last_name_key_counts on full_names.last_name_key = last_name_key_counts.key_value
    cross join record_count
    group by full_names.first_name_key, record_count.records, record_count.n
    having sum(full_names.records) >= 100
),

with_frequencies as (
    -- The share of records having the same value: u of an exact agreement on that value.
    -- Shares are of at least matching.min_population records, so that in a small delivery
    -- every value does not look common. (Grouped counts joined back: ten window partitions
    -- over a million rows take ten times longer.)
    select
        without_hubs.*,
        {%- for field in match_fields() if field.tf %}
        {{ field.key }}_counts.records / record_count.n as {{ field.key }}_frequency{{ "," if not loop.last }}
        {%- endfor %},
        first_name_lifts.observed_pairs / first_name_lifts.expected_pairs as first_name_pairs_ratio,
        first_name_lifts.own_pairs / first_name_lifts.expected_pairs as first_name_own_ratio
    from without_hubs
    cross join record_count
    left join first_name_lifts on without_hubs.first_name_key = first_name_lifts.first_name_key
    {%- for field in match_fields() if field.tf %}
    left join {{ field.key }}_counts on without_hubs.{{ field.key }} = {{ field.key }}_counts.key_value
    {%- endfor %}
)

select * from with_frequencies
