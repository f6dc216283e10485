{#- Learning a client's m probabilities from its own candidate pairs, as Splink does:
    expectation-maximisation with u held fixed (measured on random pairs, int_match_u_probabilities).

    The pairs are first grouped by their pattern of levels and the blocking rules they agree on
    (a few thousand patterns for millions of pairs). Then, as Splink's training sessions, each
    blocking rule in turn: its pairs agree on the rule's fields by construction, so those
    fields are left out, and the others' m are learned from its pairs, a query per round over the
    patterns, in the manner of the clustering rounds (macros/connected_components.sql):
    - expectation: each pattern's match probability under the current m, u and the session's prior;
    - maximisation: m of a level = the expected matches at that level / the expected matches
      with the field present; the session's prior = expected matches / pairs.
    A session stops when no m moves by more than 0.0001, or after matching.training_rounds
    rounds. A field's m is the average of the sessions it was free in, weighed by their expected
    matches with the field present (ten at least: too few to learn from keep the defaults).
    The prior that scores pairs is the expected matches over all the candidate pairs, with every
    field, divided by all pairs of records, as if every pair had been compared (blocking only
    saves the work of comparing the rest). Values are rounded to six decimals, so every engine
    learns the same. A field whose m the client pins (matching.m_probabilities) keeps them;
    matching.prior pins the prior. -#}

{% macro train_match_parameters(compared, u_relation, records_relation, fields) -%}
    {%- set m = {} -%}
    {%- for field in fields -%}{%- do m.update({field.name: field.m.copy()}) -%}{%- endfor -%}
    {%- set pinned_prior = match_setting('prior') -%}
    {%- set state = namespace(rounds=0, pairs=0, matches=0, records=0) -%}
    {%- if execute and flags.WHICH in ('build', 'run') and match_setting('training_rounds') > 0 -%}
        {%- set u = {} -%}
        {%- for row in run_query('select field_name, level_name, u_probability from ' ~ u_relation) -%}
            {%- do u.setdefault(row[0], {}).update({row[1]: row[2] | float}) -%}
        {%- endfor -%}
        {%- set columns = [] -%}{%- for field in fields -%}{%- do columns.append(field.name ~ '_level') -%}{%- endfor -%}
        {%- set patterns = scv.round_relation(this.identifier ~ '__patterns') -%}
        {%- do run_query('drop table if exists ' ~ patterns) -%}
        {%- do run_query(scv.round_table(patterns) ~ ' select ' ~ columns | join(', ')
            ~ ', blocking_rules_mask, count(*) as pairs from ' ~ compared ~ ' group by ' ~ columns | join(', ')
            ~ ', blocking_rules_mask') -%}
        {%- set learned = {} -%}
        {%- for rule in blocking_rules() -%}
            {%- set bit = 2 ** loop.index -%}
            {%- set free = [] -%}
            {%- for field in fields -%}
                {%- if not (rule | select('in', field['keys']) | list) -%}{%- do free.append(field) -%}{%- endif -%}
            {%- endfor -%}
            {%- set session = scv.em_session(patterns, '(blocking_rules_mask & ' ~ bit ~ ') <> 0', free, m, u) -%}
            {%- set state.rounds = [state.rounds, session.rounds] | max -%}
            {%- for field in free if not field.pinned -%}
                {%- set present = session.present.get(field.name, 0) -%}
                {%- if present >= 10 -%}
                    {%- set sums = learned.setdefault(field.name, {'weight': 0}) -%}
                    {%- do sums.update({'weight': sums.weight + present}) -%}
                    {%- for level, value in session.m[field.name].items() -%}
                        {%- do sums.update({level: sums.get(level, 0) + value * present}) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for name, sums in learned.items() -%}
            {%- for level in m[name] -%}
                {%- do m[name].update({level: ((sums.get(level, 0) / sums.weight * 1000000) | round) / 1000000}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {#- The expected matches among all candidate pairs, every field weighed as it will be. -#}
        {%- set everything = scv.em_session(patterns, 'true', fields, m, u, learn_m=false) -%}
        {%- set state.pairs, state.matches = everything.pairs, everything.matches -%}
        {%- set state.records = run_query('select count(*) from ' ~ records_relation).columns[0].values()[0] | float -%}
        {%- do run_query('drop table if exists ' ~ patterns) -%}
    {%- endif -%}
    {#- P(two records are one person): the expected matches over every pair of records. -#}
    {%- set all_pairs = [state.records * (state.records - 1) / 2, 1] | max -%}
    {%- set global = [[state.matches / all_pairs, 0.000000001] | max, 0.5] | min -%}
    {%- set prior = pinned_prior if pinned_prior is not none else (global if state.rounds else 0.0001) -%}
    {{ return({'m': m, 'prior': prior, 'rounds': state.rounds, 'pairs': state.pairs}) }}
{%- endmacro %}

{% macro em_session(patterns, where, fields, start, u, learn_m=true) -%}
    {#- Expectation-maximisation over the patterns `where` holds, with `fields` only: their m
        (from `start`, unless learn_m is false) and the session's prior, learned.
        Returns m, the expected matches with each field present, the rounds, pairs and matches. -#}
    {%- set m = {} -%}
    {%- for field in fields -%}{%- do m.update({field.name: start[field.name].copy()}) -%}{%- endfor -%}
    {%- set limit = match_setting('training_rounds') -%}
    {%- set state = namespace(prior=0.1, rounds=0, done=false, pairs=0, matches=0) -%}
    {%- set present = {} -%}
    {%- for round in range(0, limit + 1) if not state.done -%}
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
                    {% for field in fields %}{{ field.name }}_level, {% endfor %}
                    pairs,
                    pairs / (1 + pow(2, -({{ weight }}))) as matches
                from {{ patterns }}
                where {{ where }}
            )
            {%- for field in fields %}
            select '{{ field.name }}' as field_name, {{ field.name }}_level as level_name, sum(matches) as matches,
                sum(pairs) as pairs
            from expected
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
        {%- set totals = found['(prior)']['match'] -%}
        {%- set state.pairs, state.matches = totals[1], totals[0] -%}
        {%- if round == limit or totals[1] == 0 -%}
            {%- set state.done = true -%}
        {%- else -%}
            {%- set moved = namespace(most=0) -%}
            {%- for field in fields if learn_m and not field.pinned -%}
                {%- set seen = found.get(field.name, {}) -%}
                {%- set total = namespace(n=0) -%}
                {%- for level in m[field.name] -%}{%- set total.n = total.n + seen.get(level, [0, 0])[0] -%}{%- endfor -%}
                {%- do present.update({field.name: total.n}) -%}
                {%- if total.n >= 10 -%}
                    {%- for level in m[field.name] -%}
                        {#- A level no likely match shows keeps a small m: rare, not impossible. -#}
                        {%- set new = [seen.get(level, [0, 0])[0] / total.n, 0.000001] | max -%}
                        {%- set new = (new * 1000000) | round / 1000000 -%}
                        {%- set moved.most = [moved.most, (new - m[field.name][level]) | abs] | max -%}
                        {%- do m[field.name].update({level: new}) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set new_prior = [[totals[0] / totals[1], 0.000001] | max, 0.999] | min -%}
            {%- set new_prior = (new_prior * 1000000) | round / 1000000 -%}
            {%- set moved.most = [moved.most, (new_prior - state.prior) | abs] | max -%}
            {%- set state.prior = new_prior -%}
            {%- set state.rounds = round + 1 -%}
            {%- set state.done = moved.most < 0.0001 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'m': m, 'present': present, 'rounds': state.rounds, 'pairs': state.pairs, 'matches': state.matches}) }}
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
