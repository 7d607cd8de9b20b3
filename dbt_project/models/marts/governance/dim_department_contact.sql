{#-
    The contact person (填报人) and phone (联系电话) of every department: from its most recently
    received file that gave either (loaded, partially loaded or blank; never a quarantined or duplicate
    file, whose sender is not vouched for), with the period of that file. A department that never gave
    one has a row with has_contact false (the 催报 list says 未登记). A phone number that is not
    plausible is shown as written and flagged (contact_phone_is_plausible false), never corrected.
-#}
with

departments as (

    select * from {{ ref('dim_department') }}

),

files as (

    select * from {{ ref('stg_submissions__files') }}
    where
        file_status in ('loaded', 'partially_loaded', 'blank')
        and (contact_name is not null or contact_phone is not null)

),

latest as (

    select
        department_code,
        contact_name,
        contact_phone,
        contact_phone_as_written,
        contact_phone_is_plausible,
        contact_phone_flag_zh,
        period as contact_period,
        received_at as contact_received_at,
        file_id as contact_file_id

    from files
    qualify row_number() over (
        partition by department_code
        order by received_at desc, period desc, file_id desc
    ) = 1

),

final as (

    select
        departments.department_code,
        departments.name_zh as department_name_zh,
        departments.is_reporting_department,
        latest.contact_name,
        latest.contact_phone,
        latest.contact_phone_as_written,
        latest.contact_phone_is_plausible,
        latest.contact_phone_flag_zh,
        latest.contact_period,
        latest.contact_received_at,
        latest.contact_file_id,
        latest.department_code is not null as has_contact

    from departments
    left join latest on departments.department_code = latest.department_code

)

select * from final
