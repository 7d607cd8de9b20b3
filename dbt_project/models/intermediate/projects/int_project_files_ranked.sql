{{ config(materialized="view") }}
{#-
    Step 1 of the project series: the accepted files, each with a small integer key and its rank in
    the order of preference (file version, then received; a file without a time first). The sorts of
    the later steps carry these two integers instead of the 64-character file id, the version and
    the time (issue 8: 24M project-months).
-#}
with

files as (

    select * from {{ ref('stg_submissions__files') }}

),

final as (

    select
        file_id,
        row_number() over (order by file_id) as file_key,
        dense_rank() over (order by coalesce(file_version, 0) asc, received_at asc nulls first) as file_order

    from files
    where is_accepted

)

select * from final
