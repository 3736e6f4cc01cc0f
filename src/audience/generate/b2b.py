"""B2B side: accounts (firmographics), leads, their web and email events, and the conversion truth.

Accounts: ``industry`` is free text, one of a few spellings of 10 sectors (``reference.INDUSTRY_VARIANTS``,
10 % upper- or lower-cased); ``employee_count`` log-normal (median ~150, 1..300,000); ``annual_revenue``
= employees x a sector revenue per employee (log-normal noise); ``founded_year`` older for larger firms.

Leads are created uniformly in [START + 30 d, END - 14 d]. Each lead's web sessions (``lead_id`` set,
``anonymous_id`` of its own, no ``customer_id``) and nurture emails (``lead_id`` set, campaigns
``B2B-NURTURE-01..06``) fall in the fixed window [created_at - 30 d, created_at + 14 d], drawn from
latent per-lead rates that do NOT depend on the outcome. Conversion then follows the known model

    true_p = sigmoid(B0 + B_SENIORITY[seniority(job_title)] + B_SIZE * ln(employee_count)
                     + B_SECTOR[sector(industry)] + B_SOURCE[lead_source]
                     + B_WEB * ln(1 + web sessions) + B_EMAIL * ln(1 + email clicks))

with the realized session and click counts, so features over all time carry exactly the information the
truth uses. ``converted ~ Bernoulli(true_p)``; a converter converts 1..90 days after creation. When that
is after END the raw lead is not converted yet (status open/contacted/qualified, no ``converted_at``).
Truth ``lead_truth.parquet``: ``true_conversion_probability``, ``converted`` (the Bernoulli outcome),
``converted_within_90d`` (same by construction: every delay is <= 90 days), ``converted_by_end`` (what
the raw data shows), ``label_observable`` (created_at + 90 d <= END), plus the model inputs.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from audience.generate import reference as ref
from audience.generate.common import (
    DAY,
    END,
    START,
    choice_codes,
    decimal_array,
    dict_array,
    ids,
    int_array,
    segment_uniform,
    sigmoid,
    ts_array,
)
from audience.generate.personas import N_CAMPAIGNS, email_chains, make_consents, make_sessions, session_events

# ---- the conversion model (coefficients on the logit scale) -----------------------------------
B0 = -4.3
B_SENIORITY = dict(zip(ref.SENIORITIES, (-1.3, 0.0, 0.45, 0.9, 1.3, 1.55, 1.15), strict=True))
B_SIZE = 0.23
B_SECTOR = dict(zip(ref.SECTORS, (0.8, 0.5, 0.15, -0.15, -0.25, -0.8, -1.05, 0.0, 0.25, -0.25), strict=True))
B_SOURCE = dict(zip(ref.LEAD_SOURCES, (1.45, 0.8, 0.4, 0.25, 0.0, -0.25, -1.15), strict=True))
B_WEB = 0.9
B_EMAIL = 1.05

#: Revenue per employee (currency units) by sector.
REVENUE_PER_EMPLOYEE = np.array([220e3, 300e3, 150e3, 200e3, 120e3, 80e3, 100e3, 150e3, 350e3, 500e3])
LEAD_ANON_BASE = 1_000_000_000  # anonymous ids of lead devices: V1xxxxxxxxx
WINDOW_BEFORE = 30 * DAY
WINDOW_AFTER = 14 * DAY
LEAD_UTM = (0.30, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.30, 0.30, 0.10)
LEAD_DEVICES = np.array([[0.75, 0.22, 0.03]])


def industry_vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Industry spellings (each variant as is, upper, lower), the sector of each, first index per sector."""
    values, sector, first = [], [], []
    for s, variants in enumerate(ref.INDUSTRY_VARIANTS.values()):
        first.append(len(values))
        for v in variants:
            values += [v, v.upper(), v.lower()]
            sector += [s, s, s]
    return values, np.array(sector), np.array(first)


def title_vocabulary() -> tuple[list[str], np.ndarray]:
    """All job titles and the code matrix [seniority, template, function] into them (-1: no template)."""
    titles: list[str] = []
    n_t = max(len(t) for t in ref.TITLE_TEMPLATES.values())
    codes = np.full((len(ref.SENIORITIES), n_t, len(ref.FUNCTIONS)), -1, dtype=np.int32)
    for s, level in enumerate(ref.SENIORITIES):
        for k, template in enumerate(ref.TITLE_TEMPLATES[level]):
            for f, function in enumerate(ref.FUNCTIONS):
                title = template.format(f=function.lower() if template.islower() else function)
                if title not in titles:
                    titles.append(title)
                codes[s, k, f] = titles.index(title)
    return titles, codes


def seniority_of(title: str) -> str:
    """Seniority level of a job title by ``reference.SENIORITY_PATTERNS`` (what the truth uses)."""
    for level, pattern in ref.SENIORITY_PATTERNS.items():
        if re.search(pattern, title, flags=re.IGNORECASE):
            return level
    return "individual"


def make_accounts(rng: np.random.Generator, n: int) -> tuple[dict[str, pa.Array], dict]:
    """The accounts table and per-account attributes the leads need (sector, employees, domain, country)."""
    numbers = np.arange(1, n + 1)
    sector = choice_codes(rng, ref.SECTOR_WEIGHTS[None, :], np.zeros(n, dtype=np.int64))
    values, _, first = industry_vocabulary()
    n_var = np.array([len(v) for v in ref.INDUSTRY_VARIANTS.values()])
    variant = (rng.random(n) * n_var[sector]).astype(np.int64)
    case = np.where(rng.random(n) < 0.1, rng.integers(1, 3, n), 0)
    industry = first[sector] + variant * 3 + case
    employees = np.clip(np.exp(rng.normal(np.log(150), 1.6, n)), 1, 300_000).astype(np.int64)
    revenue = employees * REVENUE_PER_EMPLOYEE[sector] * np.exp(rng.normal(0, 0.4, n))
    age = np.clip(np.exp(rng.normal(np.log(8 + 4 * np.log(employees)), 0.6)), 1, 170).astype(np.int64)
    founded = 2025 - age
    country = ref.draw_countries(rng, n)
    prefix = np.array(ref.COMPANY_PREFIXES)[rng.integers(0, len(ref.COMPANY_PREFIXES), n)]
    word = np.array(ref.COMPANY_WORDS)[rng.integers(0, len(ref.COMPANY_WORDS), n)]
    legal = np.array(ref.COMPANY_LEGAL)[rng.integers(0, len(ref.COMPANY_LEGAL), n)]
    tld = np.array(ref.DOMAIN_TLDS)[rng.integers(0, len(ref.DOMAIN_TLDS), n)]
    name = np.strings.add(np.strings.add(np.strings.add(np.strings.add(prefix, " "), word), " "), legal)
    domain = np.strings.lower(
        np.strings.add(
            np.strings.add(np.strings.add(np.strings.add(prefix, word), numbers.astype(str)), "."), tld
        )
    )
    table = {
        "account_id": ids("account", numbers),
        "account_name": pa.array(name, type=pa.string()),
        "domain": pa.array(domain, type=pa.string()),
        "industry": dict_array(industry, values),
        "employee_count": int_array(employees),
        "annual_revenue": decimal_array(np.round(revenue).astype(np.int64) * 100, 18, 2),
        "country_code": dict_array(ref.country_spellings(rng, country), ref.country_value_vocabulary()),
        "founded_year": int_array(founded),
    }
    return table, {"sector": sector, "employees": employees, "domain": domain, "country": country}


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties averaged)."""
    label = label.astype(bool)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    _, start, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = start + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def make_leads_chunk(
    rng: np.random.Generator, numbers: np.ndarray, accounts: dict
) -> tuple[dict[str, pa.Array], dict, dict, dict, dict]:
    """Leads with their web events, email events, consents (numpy) and truth, for lead ``numbers``."""
    n = len(numbers)
    n_acc = len(accounts["sector"])
    account = rng.integers(0, n_acc, n)
    created = segment_uniform(rng, np.full(n, START + WINDOW_BEFORE), np.full(n, END - WINDOW_AFTER))
    first = rng.integers(0, len(ref.FIRST_NAMES), n)
    last = rng.integers(0, len(ref.LAST_NAMES), n)
    local = np.strings.add(
        np.strings.add(np.array(ref.FIRST_NAMES)[first], "."), np.array(ref.LAST_NAMES)[last]
    )
    email = np.strings.add(
        np.strings.add(np.strings.add(local, numbers.astype(str)), "@"), accounts["domain"][account]
    )
    seniority = choice_codes(rng, ref.SENIORITY_WEIGHTS[None, :], np.zeros(n, dtype=np.int64))
    titles, title_codes = title_vocabulary()
    n_tpl = np.array([len(ref.TITLE_TEMPLATES[s]) for s in ref.SENIORITIES])
    tpl = (rng.random(n) * n_tpl[seniority]).astype(np.int64)
    title = title_codes[seniority, tpl, rng.integers(0, len(ref.FUNCTIONS), n)]
    source = choice_codes(rng, ref.LEAD_SOURCE_WEIGHTS[None, :], np.zeros(n, dtype=np.int64))
    country = ref.country_spellings(rng, accounts["country"][account])

    # web sessions and email sends in the fixed window, from latent rates independent of the outcome
    lo, hi = created - WINDOW_BEFORE, created + WINDOW_AFTER
    web_rate = rng.gamma(0.8, 2.0, n)
    n_sess = rng.poisson(web_rate)
    owner = np.repeat(np.arange(n), n_sess)
    owner, start = make_sessions(rng, owner, lo[owner], hi[owner], np.zeros(len(owner), dtype=bool))
    weights = np.array([[0.45, 0.25, 0.0, 0.0, 0.05, 0.10, 0.15]])
    s, t, etype = session_events(
        rng, start, np.full(len(start), 2.0), weights, np.zeros(len(start), np.int64)
    )
    n_dev = 1 + (rng.random(n) < 0.3)
    dev = (rng.random(len(start)) * n_dev[owner]).astype(np.int64)
    dev_type = np.stack([choice_codes(rng, LEAD_DEVICES, np.zeros(n, np.int64)) for _ in range(2)], axis=1)
    utm = choice_codes(rng, np.array([LEAD_UTM]), np.zeros(len(start), np.int64))
    _, url_first = ref.url_vocabulary()
    who = owner[s]
    web = {
        "time": t,
        "anon": LEAD_ANON_BASE + numbers[who] * 4 + dev[s],
        "cust": np.full(len(t), -1, dtype=np.int64),
        "owner": np.full(len(t), -1, dtype=np.int64),
        "lead": numbers[who],
        "etype": etype,
        "url": (url_first["b2b"] + rng.integers(0, len(ref.B2B_PAGES), len(t))).astype(np.int32),
        "device": dev_type[who, dev[s]],
        "utm": utm[s],
    }
    sessions = np.bincount(owner[np.unique(s)], minlength=n)  # sessions with at least one kept event

    engagement = rng.beta(1.2, 3.0, n)
    n_sends = np.minimum(1 + rng.poisson(1.0, n), len(ref.NURTURE_CAMPAIGNS))
    e_owner = np.repeat(np.arange(n), n_sends)
    send = segment_uniform(rng, lo[e_owner], hi[e_owner])
    campaign = N_CAMPAIGNS + np.arange(len(e_owner)) - np.repeat(np.cumsum(n_sends) - n_sends, n_sends)
    es, et, ee = email_chains(
        rng, send, engagement[e_owner], np.full(len(send), 0.45), np.full(len(send), 0.01)
    )
    email_events = {
        "time": et,
        "cust": np.full(len(et), -1, dtype=np.int64),
        "lead": numbers[e_owner[es]],
        "campaign": campaign[es].astype(np.int32),
        "etype": ee,
    }
    clicks = np.bincount(e_owner[es][ee == 3], minlength=n)

    # the known conversion model
    sector = accounts["sector"][account]
    employees = accounts["employees"][account]
    logit = (
        B0
        + np.array(list(B_SENIORITY.values()))[seniority]
        + B_SIZE * np.log(employees)
        + np.array(list(B_SECTOR.values()))[sector]
        + np.array(list(B_SOURCE.values()))[source]
        + B_WEB * np.log1p(sessions)
        + B_EMAIL * np.log1p(clicks)
    )
    p = sigmoid(logit)
    converted = rng.random(n) < p
    converted_at = created + segment_uniform(rng, np.full(n, DAY), np.full(n, 90 * DAY))
    by_end = converted & (converted_at <= END)
    settled = created + 90 * DAY <= END
    status = np.where(
        by_end,
        0,
        np.where(
            settled, rng.choice([1, 2, 3], n, p=[0.7, 0.2, 0.1]), rng.choice([4, 5, 6], n, p=[0.5, 0.3, 0.2])
        ),
    )
    amount = np.round(np.exp(rng.normal(np.log(2000) + 0.35 * np.log(employees), 0.5))).astype(np.int64) * 100

    leads = {
        "lead_id": ids("lead", numbers),
        "account_id": ids("account", account + 1),
        "email": pa.array(np.strings.lower(email), type=pa.string()),
        "first_name": dict_array(first, [s.title() for s in ref.FIRST_NAMES]),
        "last_name": dict_array(last, [s.title() for s in ref.LAST_NAMES]),
        "job_title": dict_array(title, titles),
        "country_code": dict_array(country, ref.country_value_vocabulary()),
        "lead_source": dict_array(source, ref.LEAD_SOURCES),
        "created_at": ts_array(created),
        "status": dict_array(status, ref.LEAD_STATUSES),
        "converted_at": ts_array(converted_at, valid=by_end),
        "opportunity_amount": decimal_array(amount, 18, 2, valid=by_end),
    }
    truth = {
        "lead_id": ids("lead", numbers),
        "true_conversion_probability": pa.array(p),
        "converted": pa.array(converted),
        "converted_within_90d": pa.array(converted),
        "converted_by_end": pa.array(by_end),
        "label_observable": pa.array(settled),
        "converted_at_true": ts_array(converted_at, valid=converted),
        "seniority": dict_array(seniority, ref.SENIORITIES),
        "sector": dict_array(sector, ref.SECTORS),
        "lead_source": dict_array(source, ref.LEAD_SOURCES),
        "employee_count": int_array(employees),
        "web_sessions": int_array(sessions),
        "email_clicks": int_array(clicks),
    }
    consents = make_consents(rng, np.zeros(n, dtype=np.int64), created, lead=True)
    consents["subject"] = numbers[consents["subject"]]
    return leads, web, email_events, consents, truth
