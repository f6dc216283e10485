{#- The delivery as the models' sources. On DuckDB `scv build` loads it straight into the
    build's own file (schema raw), so there is nothing to do; on Spark the build hands it over
    as Parquet (the same rows, read and checked once by the DuckDB loader, rejects included)
    and this on-run-start hook makes each folder a view of the raw schema. -#}

{% macro register_delivery() -%}
    {{ return(adapter.dispatch('register_delivery', 'scv')()) }}
{%- endmacro %}

{% macro default__register_delivery() -%}
{%- endmacro %}

{% macro spark__register_delivery() -%}
    {%- if execute -%}
        {%- set folder = env_var('SCV_SPARK_EXCHANGE', 'work/spark') ~ '/raw' -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values()
            if source.schema == 'raw'
            and (source.original_file_path.startswith('models/clients/' ~ var('client') ~ '/')
                 or source.original_file_path.startswith('models/shared/')) -%}
            {#- A view on the files: a relative path is read from dbt's working directory. -#}
            {%- do run_query(
                'create or replace view raw.' ~ source.identifier
                ~ ' as select * from parquet.`' ~ folder ~ '/' ~ source.identifier ~ '`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro build_id() -%}
    {#- The id of the build being made (SCV_BUILD_ID, set by `scv build`), as a string literal.
        Read when a model runs, not when dbt parses: dbt re-parses every file that reads an
        environment variable whose value changed, and this one changes every build. -#}
    '{{ env_var("SCV_BUILD_ID", "local") if execute else "local" }}'
{%- endmacro %}
