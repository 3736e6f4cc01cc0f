{#-
    categorical_text(column): free text as a category value: lowercased, trimmed, every run of
    whitespace and the punctuation , ; / | - collapsed into one space; null when nothing is left. So
    "Head of Growth", " head of  growth " and "HEAD-OF-GROWTH" are one category, and the
    rare-level rule of the Python preprocessing (vars categorical_min_count / categorical_min_share)
    decides which values get their own column.
-#}
{% macro categorical_text(column) -%}
    nullif(trim({{ regexp_replace_all('lower(' ~ column ~ ')', '[\s,;/|-]+', ' ') }}), '')
{%- endmacro %}
