{#- The build being made, as the models see it. -#}

{% macro build_id() -%}
    {#- The id of the build being made (SCV_BUILD_ID, set by `scv build`), as a string literal.
        Read when a model runs, not when dbt parses: dbt re-parses every file that reads an
        environment variable whose value changed, and this one changes every build. -#}
    '{{ env_var("SCV_BUILD_ID", "local") if execute else "local" }}'
{%- endmacro %}
