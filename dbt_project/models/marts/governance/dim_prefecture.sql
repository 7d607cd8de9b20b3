with

prefectures as (

    select * from {{ ref('prefectures') }}

),

final as (

    select
        prefecture_code,
        name_zh,
        short_name_zh,
        name_en,
        level,
        parent_prefecture_code,
        sort_order,
        case level
            when 'province' then '省'
            when 'prefecture' then '市(州)'
            when 'new_area' then '国家级新区'
        end as level_zh,
        level = 'province' as is_province

    from prefectures

)

select * from final
