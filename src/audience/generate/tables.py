"""Numpy frames of one chunk -> Arrow columns of the raw contract tables.

Frames hold numbers and codes: entity numbers (-1 = null) become ids, codes become dictionary-encoded
strings, epoch seconds become timestamps, cents become decimals.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from audience.generate import reference as ref
from audience.generate.common import decimal_array, dict_array, ids, int_array, ts_array
from audience.generate.personas import CAMPAIGNS


def orders_table(o: dict) -> dict[str, pa.Array]:
    """orders: num, cust_num, time, amount (cents), status, channel."""
    n = len(o["num"])
    return {
        "order_id": ids("order", o["num"]),
        "customer_id": ids("customer", o["cust_num"]),
        "ordered_at": ts_array(o["time"]),
        "amount": decimal_array(o["amount"], 18, 2),
        "currency": dict_array(np.zeros(n, dtype=np.int32), ["EUR"]),
        "status": dict_array(o["status"], ref.ORDER_STATUSES),
        "channel": dict_array(o["channel"], ref.CHANNELS),
    }


def items_table(i: dict) -> dict[str, pa.Array]:
    """order_items: order_num, line_number, product, category, quantity, price_cents."""
    numbers, _ = ref.product_catalogue()
    product_codes = np.searchsorted(numbers.reshape(-1), i["product"])
    return {
        "order_id": ids("order", i["order_num"]),
        "line_number": int_array(i["line_number"]),
        "product_id": dict_array(product_codes, ref.product_ids()),
        "product_category": dict_array(i["category"], ref.CATEGORIES),
        "quantity": int_array(i["quantity"]),
        "unit_price": decimal_array(i["price_cents"] * 100, 18, 4),
    }


def web_table(w: dict) -> dict[str, pa.Array]:
    """web_events: num, time, anon, cust_num, lead, etype, url, device, utm (combination code)."""
    urls, _ = ref.url_vocabulary()
    vocab, utm_codes = ref.utm_vocabularies()
    return {
        "event_id": ids("web_event", w["num"]),
        "occurred_at": ts_array(w["time"]),
        "anonymous_id": ids("anonymous", w["anon"]),
        "customer_id": ids("customer", w["cust_num"]),
        "lead_id": ids("lead", w["lead"]),
        "event_type": dict_array(w["etype"], ref.WEB_EVENT_TYPES),
        "page_url": dict_array(w["url"], urls),
        "device_type": dict_array(w["device"], ref.DEVICE_TYPES),
        "utm_source": dict_array(utm_codes[w["utm"], 0], vocab[0]),
        "utm_medium": dict_array(utm_codes[w["utm"], 1], vocab[1]),
        "utm_campaign": dict_array(utm_codes[w["utm"], 2], vocab[2]),
    }


def email_table(e: dict) -> dict[str, pa.Array]:
    """email_events: num, time, cust_num, lead, campaign, etype."""
    return {
        "event_id": ids("email_event", e["num"]),
        "occurred_at": ts_array(e["time"]),
        "customer_id": ids("customer", e["cust_num"]),
        "lead_id": ids("lead", e["lead"]),
        "campaign_id": dict_array(e["campaign"], CAMPAIGNS),
        "event_type": dict_array(e["etype"], ref.EMAIL_EVENT_TYPES),
    }


def survey_table(s: dict) -> dict[str, pa.Array]:
    """survey_responses: cust_num, answer, time."""
    n = len(s["cust_num"])
    return {
        "customer_id": ids("customer", s["cust_num"]),
        "question_key": dict_array(np.zeros(n, dtype=np.int32), ["interest"]),
        "answer": dict_array(s["answer"], ref.INTERESTS),
        "answered_at": ts_array(s["time"]),
    }


def consents_table(c: dict, subject_kind: str) -> dict[str, pa.Array]:
    """consents of customers or leads: subject (number), purpose, granted, time."""
    n = len(c["subject"])
    return {
        "subject_type": dict_array(
            np.full(n, ref.SUBJECT_TYPES.index(subject_kind), dtype=np.int32), ref.SUBJECT_TYPES
        ),
        "subject_id": ids(subject_kind, c["subject"]),
        "purpose": dict_array(c["purpose"], ref.CONSENT_PURPOSES),
        "granted": pa.array(c["granted"], type=pa.bool_()),
        "recorded_at": ts_array(c["time"]),
    }


def concat_frames(*frames: dict) -> dict:
    """Row-wise concatenation of frames with the same keys."""
    return {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}


def sort_frame(frame: dict, key: str = "time") -> dict:
    """The frame sorted (stably) by ``key``."""
    order = np.argsort(frame[key], kind="stable")
    return {k: v[order] for k, v in frame.items()}
