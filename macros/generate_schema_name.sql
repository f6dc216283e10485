{#- Schemas are named as configured (staging, intermediate, reference) and marts land in main,
    so the single customer view reads as `customers`, not `main_marts.customers`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
