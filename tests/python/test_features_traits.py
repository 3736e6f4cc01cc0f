"""Custom CRM traits, the consent state and net monetary value through a real `dbt build` of a tiny raw
export (expected values worked out by hand from the rows below, not read from the output).

As of 2024-03-01 (training snapshot 2024-01-31, propensity_horizon_days 30):

* traits: c1's plan is Gold (2023-12-01), then Platinum (2024-02-15): Gold in training, Platinum now;
  its later Diamond (2024-03-05) is after the as-of date. Ages parse as numbers: numeric. c2's plan
  "N/A" is a null token (unknown). Lead l1 (created 2024-02-01, activity window until 02-15) has
  education "High School" (01-01); "University Degree" (02-20) is after its window. Its account a1 is an
  Enterprise tier (account trait).
* consent: c1 and c2 granted email marketing; c2 unsubscribed on 2024-02-01, which withdraws it as of
  2024-03-01 but not as of 2024-01-31 (the one consent rule).
* money: c2's only order is free (a purchase: frequency 1, monetary 0); c3 bought for 100 and got a credit
  note of -100 (cancelled): net 0, refunded 100.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DbtRun, run_dbt

pytestmark = pytest.mark.dbt

AS_OF = "2024-03-01"

RAW = {
    "customers.csv": """customer_id,email,created_at
c1,c1@example.com,2023-06-01T00:00:00Z
c2,c2@example.com,2023-06-01T00:00:00Z
c3,c3@example.com,2023-06-01T00:00:00Z
""",
    "orders.csv": """order_id,customer_id,ordered_at,amount,status
o1,c1,2024-01-10T10:00:00Z,50.00,completed
o2,c2,2024-02-10T10:00:00Z,0,completed
o3,c3,2023-12-01T10:00:00Z,100.00,completed
o4,c3,2024-01-05T10:00:00Z,-100.00,cancelled
""",
    "traits.csv": """subject_type,subject_id,trait,value,recorded_at
customer,c1,Plan,Gold,2023-12-01T00:00:00Z
customer,c1,Plan,Platinum,2024-02-15T00:00:00Z
customer,c1,Plan,Diamond,2024-03-05T00:00:00Z
customer,c1,age,41,2023-12-01T00:00:00Z
customer,c2,age,35.5,2023-12-01T00:00:00Z
customer,c2,Plan,N/A,2023-12-01T00:00:00Z
lead,l1,education,High School,2024-01-01T00:00:00Z
lead,l1,education,University Degree,2024-02-20T00:00:00Z
account,a1,tier,Enterprise,2024-01-01T00:00:00Z
""",
    "leads.csv": """lead_id,account_id,created_at,job_title,lead_source
l1,a1,2024-02-01T00:00:00Z,Head of Growth,webinar
l2,,2024-02-05T00:00:00Z,Engineer,website
""",
    "accounts.csv": """account_id,industry
a1,Software
""",
    "consents.csv": """subject_type,subject_id,purpose,granted,recorded_at
customer,c1,email_marketing,true,2023-07-01T00:00:00Z
customer,c2,email_marketing,true,2023-07-01T00:00:00Z
""",
    "email_events.csv": """event_id,occurred_at,customer_id,lead_id,campaign_id,event_type
e1,2024-02-01T10:00:00Z,c2,,nl-1,unsubscribe
""",
}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    raw: Path = tmp_path_factory.mktemp("traits_raw")
    for name, text in RAW.items():
        (raw / name).write_text(text)
    return run_dbt(
        [
            "build",
            "--select",
            "+customer_features",
            "+customer_features_training",
            "+customer_rfm",
            "+lead_features",
            "+feature_registry",
        ],
        raw_dir=raw,
        work_dir=tmp_path_factory.mktemp("traits_build"),
        dbt_vars={"as_of_date": AS_OF, "propensity_horizon_days": 30},
    )


def test_traits_are_typed_named_and_registered(build: DbtRun):
    assert build.query(
        "select subject_type, trait, model_name, feature_name, feature_role, use_cases "
        "from main.trait_registry order by all"
    ) == [
        ("account", "tier", "lead_features", "account_trait_tier", "categorical", ["lead_scoring"]),
        ("customer", "age", "customer_features", "trait_age", "numeric", ["propensity"]),
        ("customer", "plan", "customer_features", "trait_plan", "categorical", ["propensity"]),
        ("lead", "education", "lead_features", "trait_education", "categorical", ["lead_scoring"]),
    ]
    assert build.query(
        "select model_name, feature_name, feature_role, use_case from main.feature_registry "
        "where feature_name like '%trait%' order by all"
    ) == [
        ("customer_features", "trait_age", "numeric", "propensity"),
        ("customer_features", "trait_plan", "categorical", "propensity"),
        ("lead_features", "account_trait_tier", "categorical", "lead_scoring"),
        ("lead_features", "trait_education", "categorical", "lead_scoring"),
    ]


def test_customer_traits_are_the_latest_value_before_each_as_of_date(build: DbtRun):
    assert build.query(
        "select customer_id, trait_plan, trait_age, traits_known from main.customer_features order by 1"
    ) == [("c1", "platinum", 41.0, 2), ("c2", None, 35.5, 1), ("c3", None, None, 0)]
    assert build.query("select customer_id, trait_plan from main.customer_features_training order by 1") == [
        ("c1", "gold"),
        ("c2", None),
        ("c3", None),
    ]


def test_lead_traits_and_account_traits_at_the_window_end(build: DbtRun):
    assert build.query(
        "select lead_id, trait_education, account_trait_tier, traits_known from main.lead_features order by 1"
    ) == [("l1", "high school", "enterprise", 2), ("l2", None, None, 0)]


def test_an_unsubscribe_withdraws_email_consent_from_its_time_on(build: DbtRun):
    current = build.query(
        "select customer_id, has_email_marketing_consent from main.customer_features order by 1"
    )
    training = build.query(
        "select customer_id, has_email_marketing_consent from main.customer_features_training order by 1"
    )
    assert current == [("c1", True), ("c2", False), ("c3", False)]
    assert training == [("c1", True), ("c2", True), ("c3", False)]


def test_a_free_order_is_a_purchase_and_money_is_net_of_refunds(build: DbtRun):
    assert build.query(
        "select customer_id, frequency, monetary_total::double, refunded_total::double, rfm_segment != 'no_purchase' "
        "from main.customer_rfm order by 1"
    ) == [("c1", 1, 50.0, 0.0, True), ("c2", 1, 0.0, 0.0, True), ("c3", 1, 0.0, 100.0, True)]
