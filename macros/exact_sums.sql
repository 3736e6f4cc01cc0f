{#-
    Sums and means of doubles that are the same to the last bit on every build.

    A parallel `sum` / `avg` of doubles adds its terms in the order the threads finish, and floating-point
    addition is not associative, so the last digits can change from one build to the next on the same
    input. These macros add the terms as `decimal(38, scale)` (exact, integer arithmetic) and convert
    once, so the result depends only on the values. `scale` is the number of decimal digits each term
    keeps (38 - scale digits remain for the integer part of the sum): 18 for probabilities and products
    of scaled features, 10 to 12 for feature values and distances.

    exact_sum(expression, scale): the decimal(38, scale) sum (cast it to double where a double is wanted).
    exact_avg(expression, scale): the mean as a double; null when no term is non-null.
-#}
{% macro exact_sum(expression, scale=18) -%}
    sum(cast({{ expression }} as decimal(38, {{ scale }})))
{%- endmacro %}

{% macro exact_avg(expression, scale=18) -%}
    cast({{ exact_sum(expression, scale) }} as double) / count({{ expression }})
{%- endmacro %}
