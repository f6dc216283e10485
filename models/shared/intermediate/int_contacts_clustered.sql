{#- First version of identity resolution: records sharing a normalised email are one person;
    a record without an email is a person of its own. Issue #3 replaces this with blocking,
    Fellegi-Sunter scoring and connected components. -#}

with

contacts as (
    select * from {{ ref('int_contacts_normalised') }}
),

keyed as (
    select
        *,
        coalesce('email:' || email_key, 'record:' || source || ':' || source_record_id) as cluster_key
    from contacts
)

select
    *,
    'C' || upper(substr(md5(cluster_key), 1, 12)) as customer_id
from keyed
