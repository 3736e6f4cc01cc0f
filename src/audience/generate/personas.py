"""B2C customers and their behaviour, one chunk of customers at a time, driven by six personas.

Every customer gets exactly one persona (ground truth ``customer_personas.parquet``), in fixed shares:

=============== ===== ========= ============= ==================== ============ ================ =============
persona         share created   last order    completed orders     spend/order  web sessions     email opens
=============== ===== ========= ============= ==================== ============ ================ =============
champions        10 % 365-650 d 0.5-14 d ago  2 + 13/yr (~19)      high ~375    3 + 30/yr, ~5.5  75 %, clicks
                                                                                ev, ~220 events  55 % of opens
loyal            20 % 365-550 d 2-45 d ago    2 + 5/yr (~7.5)      medium ~75,  2 + 14/yr, ~4 ev 45 %
                                                                   mid prices   (~70 events)
bargain_hunters  15 % 260-730 d seasonal      4-5, 90 % in Nov-Dec low ~50:     2 + 8/yr, 60 %   12 %
                                (~6 months)                        cheap, -40 % in season, 45 %
                                                                   in season    searches
new              15 % 7-90 d    after created 1-2                  medium ~95   2 + 40/yr, ~20ev 60 %, ~1
                                                                                                 letter a week
at_risk          15 % 420-650 d 120-300 d ago 3 + 6/yr of active   medium-high  2 + 7/yr until   55 % falling
                                              span (~8)            ~190         30 d after lapse to 5 %
hibernating      25 % 400-730 d 380-545 d ago 1 (15 %: 2)          low ~30,     1 session        5 %
                                (H1 2025)                          cheap goods
=============== ===== ========= ============= ==================== ============ ================ =============

("created" and "last order" are days before END.) Orders have 1-5 lines over 8 product categories with
persona-specific preferences and price tiers; ``amount`` is the sum of ``quantity * unit_price``. About
3 % of orders are cancelled and 3 % returned (returned lines have negative quantities, so the amount is
negative). About 1 % of orders are guest checkouts whose ``customer_id`` (``C9xxxxxxx``) is not in
customers; they buy like hibernating customers (one cheap order). Web sessions are per device
(``anonymous_id``), 1-12 events seconds to minutes apart (gaps <= 5 min), sessions more than 30 min
apart; ~90 % of sessions are logged in (``customer_id`` set).
Email: weekly newsletter campaigns ``NL-YYYYMMDD`` sent strictly after the customer was created, each a
chain sent -> delivered (or bounce) -> open -> click, with rare unsubscribe/complaint. ~20 % of customers
answer the survey question ``interest``; ~90 % have consent records for the three purposes. A customer's
most recent order is always completed. Overall about 6 orders, 67 web events and 23 email events per
customer.

Separation: the personas are planted to be recoverable by clustering on the behaviours they are
defined by, with realistic spread within each, and no two alike in all of purchase, browsing, email
and seasonal behaviour. The parameters that make that hold, and why:

* hibernating customers' only order falls in January-June 2025 (after the 2024 holiday season), in
  cheap categories and low price tiers, so their holiday share is not an accident of one order's
  date and one-order spend does not split them in two (guest checkouts buy the same way);
* loyal customers browse every few weeks and buy mid-priced goods, unlike at-risk customers (no web
  activity since their lapse, higher prices) and champions (who browse and buy more than twice as
  often, at top prices);
* new customers are at least a week old and get about one newsletter a week, so their email open
  rate is measured on a few sends rather than one; bargain hunters place 90 % of their orders in
  season.

KMeans (k = 6) on standardized log-recency, log-frequency and log-monetary alone reaches an adjusted
Rand index of ~0.87; adding holiday-season share of spend, average unit price, web activity, search
share, email open and click rates and tenure gives ~0.97 (checked in tests/python/test_generate.py).
On the ``customer_features`` mart, the segmentation (k-means, k by the highest Calinski-Harabasz
index over k = 2..12) on the standard-scaled recency, frequency, average order value, tenure,
holiday spend share, price level, email open rate and 90-day sessions chooses k = 6 with an adjusted
Rand index of ~0.96 at S (seeds 1, 2, 3, 7, 42, 99, 123, 2024) and at M (seed 42).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from audience.generate import reference as ref
from audience.generate.common import (
    DAY,
    END,
    HOLIDAY_SEASONS,
    HOUR,
    START,
    YEAR,
    choice_codes,
    dict_array,
    group_positions,
    ids,
    iso_dates,
    segment_uniform,
    ts_array,
)

PERSONAS = ("champions", "loyal", "bargain_hunters", "new", "at_risk", "hibernating")


@dataclass(frozen=True)
class Persona:
    """Behaviour parameters of one persona (see the module docstring for the design)."""

    share: float
    created_days: tuple[float, float]  # created_at in END - [hi, lo] days
    recency_days: (
        tuple[float, float] | None
    )  # last order END - U(lo, hi) days (bounded by tenure); None: open
    order_rate: float  # Poisson orders per year of the order window
    min_orders: int
    extra_order_p: float  # one more order with this probability
    holiday_share: float  # probability an order falls in a Nov-Dec season
    lines_mean: float  # extra lines beyond the first (Poisson, capped at 5 lines)
    qty_mean: float  # extra units beyond 1 (Poisson)
    price_beta: tuple[float, float]  # price tier (quantile within a category)
    season_discount: float  # unit price factor in the holiday season
    categories: tuple[float, ...]  # weights over reference.CATEGORIES
    channels: tuple[float, float, float]  # web, app, store
    web_rate: float  # sessions per year of the web window
    web_min: int
    web_tail_days: float | None  # web window ends this long after the last order (None: END)
    web_season_share: float
    events_mean: float  # extra events per session beyond the landing page view (Poisson)
    event_weights: tuple[float, ...]  # over WEB_EVENT_TYPES, for non-landing events
    devices: tuple[float, float, float]  # desktop, mobile, tablet
    utm: tuple[float, ...]  # over reference.UTM combinations
    email_rate: float  # newsletter sends per year after creation
    email_min: int
    open_p: float
    click_p: float  # given an open
    open_decline: bool  # open probability falls from open_p to 5 % around the lapse
    unsubscribe_p: float
    interests: tuple[float, ...]  # over reference.INTERESTS
    email_consent_p: float


#                  page  prod  cart  chk   search video form
_EV_HEAVY = (0.20, 0.42, 0.14, 0.08, 0.08, 0.05, 0.03)
_EV_MED = (0.30, 0.38, 0.10, 0.05, 0.10, 0.04, 0.03)
_EV_SEARCH = (0.15, 0.28, 0.07, 0.03, 0.45, 0.01, 0.01)
_EV_LIGHT = (0.45, 0.35, 0.06, 0.02, 0.10, 0.01, 0.01)
#        direct brand generic news  fb    insta holiday affil b2b_li b2b_g partner
_UTM_DEFAULT = (0.40, 0.12, 0.10, 0.15, 0.06, 0.06, 0.02, 0.04, 0.0, 0.0, 0.05)
_UTM_EMAIL = (0.30, 0.12, 0.05, 0.35, 0.05, 0.05, 0.02, 0.01, 0.0, 0.0, 0.05)
_UTM_DEALS = (0.20, 0.04, 0.16, 0.04, 0.08, 0.04, 0.22, 0.20, 0.0, 0.0, 0.02)

SPECS: dict[str, Persona] = {
    "champions": Persona(
        share=0.10,
        created_days=(365, 650),
        recency_days=(0.5, 14),
        order_rate=13.0,
        min_orders=2,
        extra_order_p=0.0,
        holiday_share=0.0,
        lines_mean=1.5,
        qty_mean=0.4,
        price_beta=(5.0, 1.6),
        season_discount=1.0,
        categories=(0.30, 0.25, 0.15, 0.10, 0.10, 0.04, 0.03, 0.03),
        channels=(0.55, 0.40, 0.05),
        web_rate=30.0,
        web_min=3,
        web_tail_days=None,
        web_season_share=0.0,
        events_mean=4.5,
        event_weights=_EV_HEAVY,
        devices=(0.35, 0.5, 0.15),
        utm=_UTM_EMAIL,
        email_rate=7.0,
        email_min=2,
        open_p=0.75,
        click_p=0.55,
        open_decline=False,
        unsubscribe_p=0.001,
        interests=(0.35, 0.30, 0.10, 0.02, 0.13, 0.07, 0.03),
        email_consent_p=0.97,
    ),
    "loyal": Persona(
        share=0.20,
        created_days=(365, 550),
        recency_days=(2, 45),
        order_rate=5.0,
        min_orders=2,
        extra_order_p=0.0,
        holiday_share=0.0,
        lines_mean=0.9,
        qty_mean=0.3,
        price_beta=(4.0, 4.0),
        season_discount=1.0,
        categories=(0.05, 0.10, 0.20, 0.15, 0.05, 0.15, 0.05, 0.25),
        channels=(0.50, 0.30, 0.20),
        web_rate=14.0,
        web_min=2,
        web_tail_days=None,
        web_season_share=0.0,
        events_mean=3.0,
        event_weights=_EV_MED,
        devices=(0.45, 0.45, 0.10),
        utm=_UTM_DEFAULT,
        email_rate=5.0,
        email_min=2,
        open_p=0.45,
        click_p=0.30,
        open_decline=False,
        unsubscribe_p=0.002,
        interests=(0.10, 0.15, 0.30, 0.05, 0.10, 0.15, 0.15),
        email_consent_p=0.9,
    ),
    "bargain_hunters": Persona(
        share=0.15,
        created_days=(260, 730),
        recency_days=None,
        order_rate=0.0,
        min_orders=4,
        extra_order_p=0.5,
        holiday_share=0.9,
        lines_mean=1.0,
        qty_mean=0.5,
        price_beta=(1.0, 5.0),
        season_discount=0.6,
        categories=(0.15, 0.25, 0.15, 0.10, 0.05, 0.02, 0.25, 0.03),
        channels=(0.75, 0.20, 0.05),
        web_rate=8.0,
        web_min=2,
        web_tail_days=None,
        web_season_share=0.6,
        events_mean=3.5,
        event_weights=_EV_SEARCH,
        devices=(0.30, 0.60, 0.10),
        utm=_UTM_DEALS,
        email_rate=5.0,
        email_min=1,
        open_p=0.12,
        click_p=0.25,
        open_decline=False,
        unsubscribe_p=0.01,
        interests=(0.05, 0.10, 0.05, 0.60, 0.05, 0.10, 0.05),
        email_consent_p=0.6,
    ),
    "new": Persona(
        share=0.15,
        created_days=(7, 90),
        recency_days=None,
        order_rate=0.0,
        min_orders=1,
        extra_order_p=0.4,
        holiday_share=0.0,
        lines_mean=0.8,
        qty_mean=0.3,
        price_beta=(3.0, 3.0),
        season_discount=1.0,
        categories=(0.13, 0.13, 0.13, 0.13, 0.12, 0.12, 0.12, 0.12),
        channels=(0.60, 0.35, 0.05),
        web_rate=40.0,
        web_min=2,
        web_tail_days=None,
        web_season_share=0.0,
        events_mean=3.0,
        event_weights=_EV_MED,
        devices=(0.35, 0.55, 0.10),
        utm=_UTM_DEFAULT,
        email_rate=52.0,
        email_min=2,
        open_p=0.60,
        click_p=0.30,
        open_decline=False,
        unsubscribe_p=0.005,
        interests=(0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.10),
        email_consent_p=0.85,
    ),
    "at_risk": Persona(
        share=0.15,
        created_days=(420, 650),
        recency_days=(120, 300),
        order_rate=6.0,
        min_orders=3,
        extra_order_p=0.0,
        holiday_share=0.0,
        lines_mean=1.0,
        qty_mean=0.3,
        price_beta=(5.0, 2.5),
        season_discount=1.0,
        categories=(0.20, 0.20, 0.10, 0.05, 0.25, 0.10, 0.05, 0.05),
        channels=(0.50, 0.30, 0.20),
        web_rate=7.0,
        web_min=2,
        web_tail_days=30,
        web_season_share=0.0,
        events_mean=3.0,
        event_weights=_EV_MED,
        devices=(0.45, 0.45, 0.10),
        utm=_UTM_DEFAULT,
        email_rate=5.0,
        email_min=2,
        open_p=0.55,
        click_p=0.30,
        open_decline=True,
        unsubscribe_p=0.01,
        interests=(0.20, 0.20, 0.10, 0.10, 0.25, 0.05, 0.10),
        email_consent_p=0.8,
    ),
    "hibernating": Persona(
        share=0.25,
        created_days=(400, 730),
        recency_days=(380, 545),
        order_rate=0.0,
        min_orders=1,
        extra_order_p=0.15,
        holiday_share=0.0,
        lines_mean=0.5,
        qty_mean=0.2,
        price_beta=(2.0, 5.0),
        season_discount=1.0,
        categories=(0.02, 0.05, 0.15, 0.18, 0.05, 0.30, 0.15, 0.10),
        channels=(0.55, 0.15, 0.30),
        web_rate=0.0,
        web_min=1,
        web_tail_days=60,
        web_season_share=0.0,
        events_mean=2.0,
        event_weights=_EV_LIGHT,
        devices=(0.55, 0.40, 0.05),
        utm=_UTM_DEFAULT,
        email_rate=3.0,
        email_min=1,
        open_p=0.05,
        click_p=0.10,
        open_decline=False,
        unsubscribe_p=0.01,
        interests=(0.15, 0.15, 0.20, 0.15, 0.10, 0.10, 0.15),
        email_consent_p=0.6,
    ),
}
SHARES = np.array([SPECS[p].share for p in PERSONAS])


def _param(name: str) -> np.ndarray:
    """A Persona field as an array indexed by persona code (rows for tuple fields)."""
    return np.array([getattr(SPECS[p], name) for p in PERSONAS], dtype=np.float64)


P = {
    name: _param(name)
    for name in Persona.__dataclass_fields__
    if name not in ("recency_days", "web_tail_days")
}
P["has_recency"] = np.array([SPECS[p].recency_days is not None for p in PERSONAS])
P["recency_lo"] = np.array([(SPECS[p].recency_days or (0, 0))[0] for p in PERSONAS]) * DAY
P["recency_hi"] = np.array([(SPECS[p].recency_days or (0, 0))[1] for p in PERSONAS]) * DAY
P["has_tail"] = np.array([SPECS[p].web_tail_days is not None for p in PERSONAS])
P["tail"] = np.array([SPECS[p].web_tail_days or 0 for p in PERSONAS]) * DAY

#: Guest checkouts buy like this persona's one-off buyers (their lines, prices, channels).
GUEST_LIKE = PERSONAS.index("hibernating")
#: Guest customer numbers start here (ids C90000000 and up), far above any customer number.
GUEST_BASE = 90_000_000
#: First campaign: Tuesday 2024-07-02 09:00 UTC, then weekly.
CAMPAIGN0 = START + DAY + 9 * HOUR
N_CAMPAIGNS = int((END - CAMPAIGN0) // (7 * DAY)) + 1
CAMPAIGNS = (
    tuple(
        "NL-" + d.replace("-", "") for d in iso_dates((CAMPAIGN0 + np.arange(N_CAMPAIGNS) * 7 * DAY) // DAY)
    )
    + ref.NURTURE_CAMPAIGNS
)
SESSION_SLOT = 3 * HOUR  # one session at most per device-owner and 3-hour slot: gaps > 30 min


def assign_personas(rng: np.random.Generator, n: int) -> np.ndarray:
    """Persona codes for ``n`` customers in exactly the planned shares (largest remainder), shuffled."""
    raw = SHARES * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(PERSONAS)), counts)).astype(np.int8)


# ---------------------------------------------------------------------------------------------
# customers
# ---------------------------------------------------------------------------------------------


def make_customers(
    rng: np.random.Generator, numbers: np.ndarray, persona: np.ndarray, n_accounts: int
) -> dict:
    """Clean customer rows (numpy columns; strings as numpy unicode, '' = null)."""
    n = len(numbers)
    lo, hi = P["created_days"][persona, 0], P["created_days"][persona, 1]
    created = END - ((lo + rng.random(n) * (hi - lo)) * DAY).astype(np.int64)
    first = rng.integers(0, len(ref.FIRST_NAMES), n)
    last = rng.integers(0, len(ref.LAST_NAMES), n)
    domain = rng.integers(0, len(ref.EMAIL_DOMAINS), n)
    fn = np.array(ref.FIRST_NAMES)[first]
    ln = np.array(ref.LAST_NAMES)[last]
    style = rng.integers(0, 3, n)
    local = np.where(
        style == 0,
        np.strings.add(np.strings.add(fn, "."), ln),
        np.where(style == 1, np.strings.add(fn, ln), np.strings.add(np.strings.slice(fn, 0, 1), ln)),
    )
    email = np.strings.add(
        np.strings.add(np.strings.add(local, numbers.astype(str)), "@"), np.array(ref.EMAIL_DOMAINS)[domain]
    )
    country = ref.draw_countries(rng, n)
    _, city_first, city_count = ref.city_vocabulary()
    city = city_first[country] + (rng.random(n) * city_count[country]).astype(np.int64)
    city = np.where(rng.random(n) < 0.02, -1, city)
    prefixes = np.array([c[6] for c in ref.COUNTRIES])
    phone = np.strings.add(
        np.strings.add(prefixes[country], " "), rng.integers(100_000_000, 999_999_999, n).astype(str)
    )
    phone = np.where(rng.random(n) < 0.15, "", phone)
    age_days = ((18 + rng.random(n) * 72) * 365.25).astype(np.int64)
    birth = iso_dates(END // DAY - age_days)
    birth = np.where(rng.random(n) < 0.10, "", birth)
    postal = np.strings.zfill(rng.integers(1_000, 99_999, n).astype(str), 5)
    postal = np.where(rng.random(n) < 0.02, "", postal)
    gender = choice_codes(rng, ref.GENDER_WEIGHTS[None, :], np.zeros(n, dtype=np.int64))
    gender = np.where(rng.random(n) < 0.05, -1, gender)
    account = np.where(rng.random(n) < 0.03, rng.integers(1, n_accounts + 1, n), -1)
    return {
        "number": numbers.astype(np.int64),
        "persona": persona,
        "email": email.astype(object),
        "phone": phone.astype(object),
        "first": first,
        "last": last,
        "birth_date": birth.astype(object),
        "gender": gender,
        "postal_code": postal.astype(object),
        "city": city,
        "country": ref.country_spellings(rng, country).astype(np.int64),
        "country_text": np.full(n, None, dtype=object),  # planted unknown values (override country)
        "created": created,
        "account": account,
    }


def customers_table(c: dict) -> dict[str, pa.Array]:
    """Arrow columns of the customers table."""

    def text(values: np.ndarray) -> pa.Array:
        return pa.array(np.where(values == "", None, values), type=pa.string())

    country = pa.array(
        np.where(
            c["country_text"] == None,  # noqa: E711  (elementwise on an object array)
            np.array(ref.country_value_vocabulary(), dtype=object)[c["country"]],
            c["country_text"],
        ),
        type=pa.string(),
    )
    cities, _, _ = ref.city_vocabulary()
    return {
        "customer_id": ids("customer", c["number"]),
        "email": text(c["email"]),
        "phone": text(c["phone"]),
        "first_name": dict_array(c["first"], [s.title() for s in ref.FIRST_NAMES]),
        "last_name": dict_array(c["last"], [s.title() for s in ref.LAST_NAMES]),
        "birth_date": text(c["birth_date"]),
        "gender": dict_array(c["gender"], ref.GENDERS),
        "postal_code": text(c["postal_code"]),
        "city": dict_array(c["city"], cities),
        "country_code": country.dictionary_encode(),
        "created_at": ts_array(c["created"]),
        "account_id": ids("account", c["account"]),
    }


# ---------------------------------------------------------------------------------------------
# orders and lines
# ---------------------------------------------------------------------------------------------


def _season_times(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A time in a randomly chosen holiday season overlapping [lo, hi]; second value: whether any did."""
    s0, s1 = HOLIDAY_SEASONS[0], HOLIDAY_SEASONS[1]
    ok0 = (s0[1] > lo) & (s0[0] < hi)
    ok1 = (s1[1] > lo) & (s1[0] < hi)
    pick1 = ok1 & (~ok0 | (rng.random(len(lo)) < 0.5))
    ss = np.where(pick1, s1[0], s0[0])
    se = np.where(pick1, s1[1] - 1, s0[1] - 1)
    return segment_uniform(rng, np.maximum(ss, lo), np.minimum(se, hi)), ok0 | ok1


def order_windows(
    rng: np.random.Generator, persona: np.ndarray, created: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Per customer the order window [start, last] and whether ``last`` is itself an order (anchor)."""
    n = len(persona)
    start = created + HOUR
    tenure = END - start
    has_rec = P["has_recency"][persona]
    r_lo = P["recency_lo"][persona]
    r_hi = np.minimum(P["recency_hi"][persona], tenure - DAY)
    recency = (r_lo + rng.random(n) * np.maximum(r_hi - r_lo, 0)).astype(np.int64)
    last = np.where(has_rec, END - recency, END)
    return start, last, has_rec


def make_orders(rng: np.random.Generator, persona: np.ndarray, created: np.ndarray) -> dict:
    """Orders of the customers (``cust`` = row in the chunk), sorted by time; lines not yet attached."""
    start, last, anchor = order_windows(rng, persona, created)
    years = (last - start) / YEAR
    n = (
        P["min_orders"][persona]
        + rng.poisson(P["order_rate"][persona] * years)
        + (rng.random(len(persona)) < P["extra_order_p"][persona])
    ).astype(np.int64)
    cust = np.repeat(np.arange(len(persona)), n)
    pos = group_positions(n)
    p = persona[cust]
    t = segment_uniform(rng, start[cust], last[cust])
    t = np.where(anchor[cust] & (pos == 0), last[cust], t)
    seasonal = rng.random(len(cust)) < P["holiday_share"][p]
    st, ok = _season_times(rng, start[cust], last[cust])
    seasonal &= ok
    t = np.where(seasonal, st, t)
    order = np.argsort(t, kind="stable")
    return {"cust": cust[order], "persona": p[order], "time": t[order], "seasonal": seasonal[order]}


def pick_products(rng: np.random.Generator, persona: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A product per element: category by the persona's preferences, then a price tier within it."""
    cat = choice_codes(rng, P["categories"], persona)
    tier = rng.beta(P["price_beta"][persona, 0], P["price_beta"][persona, 1])
    k = np.minimum((tier * ref.PRODUCTS_PER_CATEGORY).astype(np.int64), ref.PRODUCTS_PER_CATEGORY - 1)
    return cat, k


def make_lines(rng: np.random.Generator, orders: dict) -> tuple[dict, np.ndarray]:
    """Lines of the orders and the status / channel / amount (cents) of each order."""
    p = orders["persona"]
    m = len(p)
    status = rng.choice(3, size=m, p=[0.94, 0.03, 0.03]).astype(np.int32)
    # a customer's most recent order is always completed (orders are sorted by time)
    cust = orders["cust"]
    _, last_rev = np.unique(cust[::-1], return_index=True)
    latest = m - 1 - last_rev
    status[latest[cust[latest] >= 0]] = 0
    channel = choice_codes(rng, P["channels"], p)
    n_lines = np.minimum(1 + rng.poisson(P["lines_mean"][p]), 5)
    o = np.repeat(np.arange(m), n_lines)
    lp = p[o]
    cat, k = pick_products(rng, lp)
    numbers, prices = ref.product_catalogue()
    factor = np.where(orders["seasonal"][o], P["season_discount"][lp], 1.0)
    factor = np.where(rng.random(len(o)) < 0.1, factor * 0.8, factor)  # occasional promotion
    price_cents = np.maximum(np.round(prices[cat, k] * factor), 1).astype(np.int64)
    qty = 1 + rng.poisson(P["qty_mean"][lp])
    qty = np.where(status[o] == 2, -qty, qty)  # returned: refund lines
    amount = np.bincount(o, weights=qty * price_cents, minlength=m).astype(np.int64)
    lines = {
        "order": o,
        "line_number": group_positions(n_lines) + 1,
        "product": numbers[cat, k],
        "category": cat,
        "quantity": qty,
        "price_cents": price_cents,
    }
    orders.update(status=status, channel=channel, amount=amount)
    return lines, n_lines


def make_guest_orders(rng: np.random.Generator, n: int) -> dict:
    """``n`` guest checkouts (one order each), uniform over the window."""
    t = np.sort(segment_uniform(rng, np.full(n, START), np.full(n, END)))
    return {
        "cust": np.full(n, -1, dtype=np.int64),
        "persona": np.full(n, GUEST_LIKE, dtype=np.int8),
        "time": t,
        "seasonal": np.zeros(n, dtype=bool),
    }


# ---------------------------------------------------------------------------------------------
# web
# ---------------------------------------------------------------------------------------------


def make_sessions(
    rng: np.random.Generator, owner: np.ndarray, lo: np.ndarray, hi: np.ndarray, season: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Session start times: ``owner`` (one per session, any int) drawn in [lo, hi] (``season``: in a
    holiday season where possible), at most one per owner and 3-hour slot, sorted by (owner, time)."""
    t = segment_uniform(rng, lo, hi)
    st, ok = _season_times(rng, lo, hi)
    t = np.where(season & ok, st, t)
    slot = (t - START) // SESSION_SLOT
    key = owner.astype(np.int64) * (1 << 20) + slot
    _, first = np.unique(key, return_index=True)
    owner, slot = owner[first], slot[first]
    start = START + slot * SESSION_SLOT + (rng.random(len(slot)) * HOUR).astype(np.int64)
    keep = start <= END
    return owner[keep], start[keep]


def session_events(
    rng: np.random.Generator, start: np.ndarray, extra_mean: np.ndarray, weights: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events of sessions: (session index, time, event type code). The first event is a page view;
    the others follow ``weights[rows[session]]``, 5 s to 5 min apart; events after END are dropped."""
    n_ev = np.minimum(1 + rng.poisson(extra_mean), 12)
    s = np.repeat(np.arange(len(start)), n_ev)
    pos = group_positions(n_ev)
    gaps = np.where(pos == 0, 0, 5 + np.minimum(rng.exponential(50.0, len(s)), 295.0).astype(np.int64))
    cs = np.cumsum(gaps)
    first = np.cumsum(n_ev) - n_ev
    t = start[s] + cs - cs[first][s]
    etype = np.where(pos == 0, 0, choice_codes(rng, weights, rows[s]))
    keep = t <= END
    return s[keep], t[keep], etype[keep].astype(np.int32)


def shop_urls(rng: np.random.Generator, etype: np.ndarray, persona: np.ndarray) -> np.ndarray:
    """Page URL code (into ``reference.url_vocabulary``) of shop events of the given types."""
    _, first = ref.url_vocabulary()
    n = len(etype)
    cat, k = pick_products(rng, persona)
    page = np.where(rng.random(n) < 0.4, first["home"], first["category"] + cat)
    product = first["product"] + cat * ref.PRODUCTS_PER_CATEGORY + k
    search = first["search"] + rng.integers(0, len(ref.SEARCH_TERMS), n)
    other = first["cart"] + np.array([0, 0, 0, 0, 0, 2, 3])[etype]  # cart / video / newsletter
    other = np.where(etype == 3, first["cart"] + 1, other)  # checkout
    return np.select([etype == 0, etype == 1, etype == 4], [page, product, search], other).astype(np.int32)


def make_customer_web(rng: np.random.Generator, c: dict, last_order: np.ndarray) -> dict:
    """Web events of the chunk's customers (numpy columns; ``cust`` = row in the chunk)."""
    persona, created = c["persona"], c["created"]
    nc = len(persona)
    lo = created
    hi = np.where(P["has_tail"][persona], np.minimum(last_order + P["tail"][persona], END), END)
    n_sess = (P["web_min"][persona] + rng.poisson(P["web_rate"][persona] * (hi - lo) / YEAR)).astype(np.int64)
    owner = np.repeat(np.arange(nc), n_sess)
    season = rng.random(len(owner)) < P["web_season_share"][persona[owner]]
    owner, start = make_sessions(rng, owner, lo[owner], hi[owner], season)
    n_dev = 1 + rng.binomial(2, 0.35, nc)
    dev_type = np.stack([choice_codes(rng, P["devices"], persona) for _ in range(3)], axis=1)
    dev = (rng.random(len(owner)) * n_dev[owner]).astype(np.int64)
    logged_in = rng.random(len(owner)) < 0.9
    utm = choice_codes(rng, P["utm"], persona[owner])
    s, t, etype = session_events(
        rng, start, P["events_mean"][persona[owner]], P["event_weights"], persona[owner]
    )
    cust = owner[s]
    return {
        "time": t,
        "anon": c["number"][cust] * 4 + dev[s],
        "cust": np.where(logged_in[s], cust, -1),
        "owner": cust,
        "lead": np.full(len(t), -1, dtype=np.int64),
        "etype": etype,
        "url": shop_urls(rng, etype, persona[cust]),
        "device": dev_type[cust, dev[s]],
        "utm": utm[s],
    }


def make_anonymous_web(rng: np.random.Generator, n_sessions: int, anon_base: int) -> dict:
    """Never-identified visitors: one session each, light browsing, uniform over the window."""
    like = np.full(n_sessions, PERSONAS.index("hibernating"), dtype=np.int64)
    owner, start = make_sessions(
        rng,
        np.arange(n_sessions),
        np.full(n_sessions, START),
        np.full(n_sessions, END),
        np.zeros(n_sessions, bool),
    )
    s, t, etype = session_events(rng, start, np.full(len(start), 2.0), P["event_weights"], like[owner])
    return {
        "time": t,
        "anon": anon_base + owner[s],
        "cust": np.full(len(t), -1, dtype=np.int64),
        "owner": np.full(len(t), -1, dtype=np.int64),
        "lead": np.full(len(t), -1, dtype=np.int64),
        "etype": etype,
        "url": shop_urls(rng, etype, like[owner][s]),
        "device": choice_codes(rng, P["devices"], like[owner][s]),
        "utm": choice_codes(rng, P["utm"], like[owner][s]),
    }


# ---------------------------------------------------------------------------------------------
# email
# ---------------------------------------------------------------------------------------------


def email_chains(
    rng: np.random.Generator,
    send: np.ndarray,
    open_p: np.ndarray,
    click_p: np.ndarray,
    unsubscribe_p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event chains of sends: (send index, time, event type code). sent -> delivered (2 % bounce
    instead) -> open -> click, unsubscribe after delivery or open, rare complaint; none after END."""
    n = len(send)
    bounce = rng.random(n) < 0.02
    delivered = send + rng.integers(1, 121, n)
    opened = ~bounce & (rng.random(n) < open_p)
    open_t = delivered + 1 + np.minimum(rng.exponential(6 * HOUR, n), 4 * DAY).astype(np.int64)
    clicked = opened & (rng.random(n) < click_p)
    click_t = open_t + rng.integers(5, 901, n)
    unsub = ~bounce & (rng.random(n) < unsubscribe_p)
    unsub_t = np.where(opened, np.maximum(open_t, click_t * clicked), delivered) + rng.integers(30, 3601, n)
    complaint = ~bounce & (rng.random(n) < 0.0005)
    complaint_t = delivered + rng.integers(60, DAY, n)
    idx = np.arange(n)
    parts = [
        (np.ones(n, bool), send, 0),
        (~bounce, delivered, 1),
        (opened, open_t, 2),
        (clicked, click_t, 3),
        (bounce, send + rng.integers(5, 301, n), 4),
        (unsub, unsub_t, 5),
        (complaint, complaint_t, 6),
    ]
    sel = [(idx[m], t[m], np.full(int(m.sum()), code, dtype=np.int32)) for m, t, code in parts]
    s = np.concatenate([x[0] for x in sel])
    t = np.concatenate([x[1] for x in sel])
    e = np.concatenate([x[2] for x in sel])
    keep = t <= END
    return s[keep], t[keep], e[keep]


def make_customer_email(rng: np.random.Generator, c: dict, last_order: np.ndarray) -> dict:
    """Newsletter email events of the chunk's customers, strictly after each customer's creation."""
    persona, created = c["persona"], c["created"]
    lo = created + DAY
    n_sends = P["email_min"][persona] + rng.poisson(P["email_rate"][persona] * np.maximum(END - lo, 0) / YEAR)
    owner = np.repeat(np.arange(len(persona)), n_sends.astype(np.int64))
    t = segment_uniform(rng, lo[owner], np.full(len(owner), END))
    # the first campaign at or after t: never before created + 1 day, so strictly after creation
    week = np.ceil((t - CAMPAIGN0) / (7 * DAY)).astype(np.int64)
    ok = week < N_CAMPAIGNS
    _, first = np.unique(owner[ok] * 1024 + week[ok], return_index=True)
    owner, week = owner[ok][first], week[ok][first]
    send = CAMPAIGN0 + week * 7 * DAY + rng.integers(0, 7200, len(owner))
    p = persona[owner]
    open_p = P["open_p"][p]
    decline = np.clip((last_order[owner] + 30 * DAY - send) / (180 * DAY), 0.08, 1.0)
    open_p = np.where(P["open_decline"][p] > 0, open_p * decline, open_p)
    s, t, etype = email_chains(rng, send, open_p, P["click_p"][p], P["unsubscribe_p"][p])
    return {
        "time": t,
        "cust": owner[s],
        "lead": np.full(len(t), -1, dtype=np.int64),
        "campaign": week[s].astype(np.int32),
        "etype": etype,
    }


# ---------------------------------------------------------------------------------------------
# crm: survey answers and consents
# ---------------------------------------------------------------------------------------------


def make_survey(rng: np.random.Generator, c: dict) -> dict:
    """One ``interest`` answer for ~20 % of customers, correlated with the persona."""
    persona, created = c["persona"], c["created"]
    who = np.flatnonzero(rng.random(len(persona)) < 0.2)
    answer = choice_codes(rng, P["interests"], persona[who])
    t = segment_uniform(rng, created[who] + HOUR, np.full(len(who), END))
    return {"cust": who, "answer": answer, "time": t}


def make_consents(
    rng: np.random.Generator, persona: np.ndarray, created: np.ndarray, lead: bool = False
) -> dict:
    """Consent records of ~90 % of subjects: one per purpose at creation, ~10 % changed later.

    For leads (``lead=True``) only ``email_marketing``, for ~60 % of them, granted 70 %."""
    n = len(persona)
    if lead:
        who = np.flatnonzero(rng.random(n) < 0.6)
        purpose = np.zeros(len(who), dtype=np.int32)
        granted = rng.random(len(who)) < 0.7
    else:
        who = np.repeat(np.flatnonzero(rng.random(n) < 0.9), 3)
        purpose = np.tile(np.arange(3, dtype=np.int32), len(who) // 3)
        base = np.stack(
            [P["email_consent_p"], np.full(len(PERSONAS), 0.6), np.full(len(PERSONAS), 0.7)], axis=1
        )
        granted = rng.random(len(who)) < base[persona[who], purpose]
    t = created[who] + rng.integers(0, 300, len(who))
    change = rng.random(len(who)) < 0.1
    later = segment_uniform(rng, t[change] + DAY, np.full(int(change.sum()), END))
    ok = later > t[change]
    return {
        "subject": np.concatenate([who, who[change][ok]]),
        "purpose": np.concatenate([purpose, purpose[change][ok]]),
        "granted": np.concatenate([granted, ~granted[change][ok]]),
        "time": np.concatenate([t, later[ok]]),
    }
