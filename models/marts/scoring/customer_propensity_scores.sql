-- Purchase propensity of every current customer over the next horizon: calibrated probability,
-- 0-100 score, grade, decile, the top reasons, and the business-weighted score side by side
{{ score_mart(ref('propensity_score_predictions'), 'customer_id', 'purchase_propensity') }}
