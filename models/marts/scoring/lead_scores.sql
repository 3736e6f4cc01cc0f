-- Lead conversion score of every lead: calibrated probability, 0-100 score, grade, decile, the top
-- reasons, and the business-weighted score side by side (what sales tools read)
{{ score_mart(ref('lead_score_predictions'), 'lead_id', 'lead_conversion') }}
