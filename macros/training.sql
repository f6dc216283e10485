{#- Learning a client's m probabilities from its own candidate pairs, as Splink does:
    expectation-maximisation with u held fixed (measured on random pairs, int_match_u_probabilities).

    The pairs are first grouped by their pattern of levels (a few thousand patterns for millions
    of pairs), then each round runs one query over the patterns, in the manner of the clustering
    rounds (macros/connected_components.sql):
    - expectation: each pattern's match probability under the current m, u and prior;
    - maximisation: m of a level = the expected matches at that level / the expected matches
      with the field present, counted over the pairs that a blocking rule without the field
      found (a rule on surname and postcode finds pairs whose surnames agree: their surnames
      would tell nothing about how often a person's surname is mistyped).
    The prior that scores pairs is the expected matches over all pairs of records, as if every
    pair had been compared (blocking only saves the work of comparing the rest).
    It stops when no m moves by more than 0.0001, or after matching.training_rounds rounds.
    Values are rounded to six decimals each round, so every engine learns the same. A field
    whose m the client pins (matching.m_probabilities) keeps them; matching.prior pins the prior. -#}

{% macro train_match_parameters(compared, u_relation, records_relation, fields) -%}
    {%- set m = {} -%}
    {%- for field in fields -%}{%- do m.update({field.name: field.m.copy()}) -%}{%- endfor -%}
    {%- set pinned_prior = match_setting('prior') -%}
    {%- set state = namespace(prior=0.1, rounds=0, done=false, pairs=0, matches=0, records=0) -%}
    {%- if execute and flags.WHICH in ('build', 'run') and match_setting('training_rounds') > 0 -%}
        {%- set u = {} -%}
        {%- for row in run_query('select field_name, level_name, u_probability from ' ~ u_relation) -%}
            {%- do u.setdefault(row[0], {}).update({row[1]: row[2] | float}) -%}
        {%- endfor -%}
        {%- set levels = fields | map(attribute='name') | map('string') | list -%}
        {%- set columns = [] -%}{%- for name in levels -%}{%- do columns.append(name ~ '_level') -%}{%- endfor -%}
        {%- set patterns = scv.round_relation(this.identifier ~ '__patterns') -%}
        {%- do run_query('drop table if exists ' ~ patterns) -%}
        {%- do run_query(scv.round_table(patterns) ~ ' select ' ~ columns | join(', ')
            ~ ', blocking_rules_mask, count(*) as pairs from ' ~ compared ~ ' group by ' ~ columns | join(', ')
            ~ ', blocking_rules_mask') -%}
        {#- For each field, the rules that do not use it, as a mask of their bits. -#}
        {%- set others = {} -%}
        {%- for field in fields -%}
            {%- set mask = namespace(bits=0) -%}
            {%- for rule in blocking_rules() -%}
                {%- if not (rule | select('in', field['keys']) | list) -%}{%- set mask.bits = mask.bits + 2 ** loop.index -%}{%- endif -%}
            {%- endfor -%}
            {%- do others.update({field.name: mask.bits}) -%}
        {%- endfor -%}
        {%- set records = run_query('select count(*) from ' ~ records_relation).columns[0].values()[0] | float -%}
        {%- for round in range(1, match_setting('training_rounds') + 1) if not state.done -%}
            {%- set weight -%}
                {{ log2((state.prior / (1 - state.prior)) | string) }}
                {%- for field in fields %}
                + case {{ field.name }}_level
                    {%- for level, value in m[field.name].items() %}
                    when '{{ level }}' then {{ log2(value ~ ' / ' ~ u[field.name][level]) }}
                    {%- endfor %}
                    else 0 end
                {%- endfor %}
            {%- endset -%}
            {%- set expectation -%}
                with expected as (
                    select
                        {{ columns | join(', ') }},
                        blocking_rules_mask,
                        pairs,
                        pairs / (1 + pow(2, -({{ weight }}))) as matches
                    from {{ patterns }}
                )
                {%- for field in fields %}
                select '{{ field.name }}' as field_name, {{ field.name }}_level as level_name, sum(matches) as matches,
                    sum(pairs) as pairs
                from expected
                where (blocking_rules_mask & {{ others[field.name] }}) <> 0
                group by {{ field.name }}_level
                union all
                {%- endfor %}
                select '(prior)' as field_name, 'match' as level_name, sum(matches) as matches, sum(pairs) as pairs
                from expected
            {%- endset -%}
            {%- set found = {} -%}
            {%- for row in run_query(expectation) -%}
                {%- do found.setdefault(row[0], {}).update({row[1]: [(row[2] or 0) | float, (row[3] or 0) | float]}) -%}
            {%- endfor -%}
            {%- set moved = namespace(most=0) -%}
            {%- for field in fields if not field.pinned -%}
                {%- set seen = found.get(field.name, {}) -%}
                {%- set present = namespace(total=0) -%}
                {%- for level in m[field.name] -%}{%- set present.total = present.total + seen.get(level, [0, 0])[0] -%}{%- endfor -%}
                {#- A field few likely matches have (one source's own, say) keeps the m it had:
                    ten matches are too few to learn from. -#}
                {%- if present.total >= 10 -%}
                    {%- for level in m[field.name] -%}
                        {#- A level no likely match shows keeps a small m: rare, not impossible. -#}
                        {%- set new = [seen.get(level, [0, 0])[0] / present.total, 0.000001] | max -%}
                        {%- set new = (new * 1000000) | round / 1000000 -%}
                        {%- set moved.most = [moved.most, (new - m[field.name][level]) | abs] | max -%}
                        {%- do m[field.name].update({level: new}) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set totals = found['(prior)']['match'] -%}
            {%- set state.pairs, state.matches = totals[1], totals[0] -%}
            {%- if totals[1] > 0 -%}
                {%- set new_prior = [[totals[0] / totals[1], 0.000001] | max, 0.999] | min -%}
                {%- set state.prior = (new_prior * 1000000) | round / 1000000 -%}
            {%- endif -%}
            {%- set state.rounds = round -%}
            {%- set state.done = moved.most < 0.0001 -%}
        {%- endfor -%}
        {%- do run_query('drop table if exists ' ~ patterns) -%}
        {%- set state.records = records -%}
    {%- endif -%}
    {#- P(two records are one person): the expected matches over every pair of records. -#}
    {%- set all_pairs = [state.records * (state.records - 1) / 2, 1] | max -%}
    {%- set global = [[state.matches / all_pairs, 0.000000001] | max, 0.5] | min -%}
    {%- set prior = pinned_prior if pinned_prior is not none else (global if state.rounds else 0.0001) -%}
    {{ return({'m': m, 'prior': prior, 'rounds': state.rounds, 'pairs': state.pairs}) }}
{%- endmacro %}

{% macro trained_parameters(trained, fields) -%}
    {#- The trained m of every field and level as rows (field_name, level_name, level_order,
        m_probability, is_trained). -#}
    {%- set rows = [] -%}
    {%- for field in fields -%}
        {%- for level, m in trained.m[field.name].items() -%}
            {%- do rows.append(
                "select '" ~ field.name ~ "' as field_name, '" ~ level ~ "' as level_name, " ~ loop.index
                ~ " as level_order, cast(" ~ m ~ " as double) as m_probability, "
                ~ ('false' if field.pinned or not trained.rounds else 'true') ~ " as is_trained"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ rows | join(' union all ') }}
{%- endmacro %}
