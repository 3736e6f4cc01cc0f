"""Sessions built once (issue 13): the slice-based session models against an independent pandas
sessionization that follows the definition event by event, on a fixture of the hard cases.

The fixture has ties at the same microsecond (first event by event_id), three customers and two leads
in one session (shared device), a first event without a device, gaps of exactly 30 minutes across a
slice boundary and of 30 min 1 s, sessions that straddle the training and the current cut, events at
the cut instants, events keyed by customer or lead only, and an event without any id. Every column of
`int_web_sessions_built` (per snapshot) and of `int_web_sessions_stitched` (no cut) is compared.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import DbtRun, run_dbt

pytestmark = pytest.mark.dbt

AS_OF_DATE = "2024-07-01"
CUTS = {"current": pd.Timestamp("2024-07-01"), "training": pd.Timestamp("2024-06-01")}
TIMEOUT = pd.Timedelta(minutes=30)
EVENT_COUNTS = {
    "page_view": "page_views",
    "product_view": "product_views",
    "add_to_cart": "add_to_carts",
    "checkout": "checkouts",
    "search": "searches",
    "video_play": "video_plays",
    "form_submit": "form_submits",
}
COLUMNS = ["event_id", "occurred_at", "anonymous_id", "customer_id", "lead_id", "event_type", "page_url",
           "device_type", "utm_source"]  # fmt: skip
EVENTS = [
    # a1: 10:00 -> 10:30 exactly (next slice) stays, 11:00:01 starts session 2
    ("e01", "2024-05-10 10:00:00", "a1", None, None, "page_view", "/home", "mobile", "google"),
    ("e02", "2024-05-10 10:30:00", "a1", "c1", None, "product_view", "/p/1", "mobile", None),
    ("e03", "2024-05-10 11:00:01", "a1", None, None, "page_view", "/home", "mobile", None),
    ("e04", "2024-05-10 11:05:00", "a1", "c1", None, "checkout", "/checkout", "mobile", None),
    # a2: two events at the same microsecond (e10 first by event_id), three customers, 30 min gaps
    ("e11", "2024-05-11 09:00:00.000001", "a2", "c3", None, "page_view", "/a", "desktop", "bing"),
    ("e10", "2024-05-11 09:00:00.000001", "a2", "c2", None, "page_view", "/b", "tablet", "news"),
    ("e12", "2024-05-11 09:10:00", "a2", "c4", None, "search", "/search", None, None),
    ("e13", "2024-05-11 09:40:00", "a2", "c2", None, "add_to_cart", "/cart", "desktop", None),
    # a3: first event without a device; straddles the training cut (00:00 of 2024-06-01)
    ("e20", "2024-05-31 23:50:00", "a3", None, None, "page_view", "/home", None, "newsletter"),
    ("e22", "2024-05-31 23:55:00", "a3", None, None, "product_view", "/p/3", "mobile", None),
    ("e21", "2024-06-01 00:05:00", "a3", "c5", None, "page_view", "/p/2", "desktop", None),
    # a4: shared device straddling the current cut; c3 only after it
    ("e30", "2024-06-30 23:40:00", "a4", "c1", None, "page_view", "/home", "mobile", None),
    ("e31", "2024-06-30 23:55:00", "a4", "c2", None, "video_play", "/v", "mobile", None),
    ("e32", "2024-07-01 00:10:00", "a4", "c3", None, "page_view", "/home", "mobile", None),
    # no anonymous id: customer-keyed (with a lead), lead-keyed; no id at all (left out)
    ("e40", "2024-05-20 08:00:00", None, "c6", None, "page_view", "/home", "desktop", None),
    ("e41", "2024-05-20 08:20:00", None, "c6", "l1", "form_submit", "/form", "desktop", None),
    ("e50", "2024-05-20 08:10:00", None, None, "l2", "form_submit", "/form", None, "linkedin"),
    ("e60", "2024-05-20 08:15:00", None, None, None, "page_view", "/home", None, None),
    # a5: two leads at the same time (e70 first), then a third event
    ("e71", "2024-05-21 12:00:00", "a5", None, "l3", "form_submit", "/f1", "desktop", None),
    ("e70", "2024-05-21 12:00:00", "a5", None, "l4", "form_submit", "/f2", "desktop", None),
    ("e72", "2024-05-21 12:29:59", "a5", None, None, "page_view", "/home", "desktop", None),
    # events at the cut instants: the current cut (left out of every snapshot) and the training cut
    ("e80", "2024-07-01 00:00:00", "a6", None, None, "page_view", "/home", "mobile", None),
    ("e81", "2024-06-01 00:00:00", "a7", None, None, "page_view", "/home", "mobile", None),
    # a8: one session of 7 events over 2 hours across the training cut
    *[
        (
            f"e9{i}",
            str(pd.Timestamp("2024-05-31 23:00:00") + i * pd.Timedelta(minutes=20)),
            "a8",
            "c7" if i == 4 else None,
            None,
            "page_view",
            f"/p/{i}",
            "tablet",
            None,
        )
        for i in range(7)
    ],  # fmt: skip
]


def expected_sessions(events: pd.DataFrame, cut: pd.Timestamp | None) -> pd.DataFrame:
    """Sessions of the events before `cut`, by the definition, one visitor and one event at a time."""
    if cut is not None:
        events = events[events["occurred_at"] < cut]
    events = events.assign(
        visitor=("anonymous:" + events["anonymous_id"])
        .fillna("customer:" + events["customer_id"])
        .fillna("lead:" + events["lead_id"])
    )
    events = events[events["visitor"].notna()].sort_values(["visitor", "occurred_at", "event_id"])
    rows = []
    for visitor, visitor_events in events.groupby("visitor", sort=False):
        number, current, previous_at = 0, [], None
        for event in [*visitor_events.itertuples(), None]:
            if event is None or previous_at is None or event.occurred_at - previous_at > TIMEOUT:
                if current:
                    rows.append(_session(visitor, number, current))
                number, current = number + 1, []
            if event is not None:
                current.append(event)
                previous_at = event.occurred_at
    return pd.DataFrame(rows)


def _session(visitor: str, number: int, events: list) -> dict:
    def first(column: str):
        return next((getattr(e, column) for e in events if pd.notna(getattr(e, column))), None)

    started, ended = events[0].occurred_at, events[-1].occurred_at
    row = {
        "session_id": f"{visitor}#{number}",
        "anonymous_id": events[0].anonymous_id if visitor.startswith("anonymous:") else None,
        "customer_id": first("customer_id"),
        "lead_id": first("lead_id"),
        "landing_page_url": events[0].page_url,
        "device_type": first("device_type"),
        "utm_source": events[0].utm_source,
        "utm_medium": None,
        "utm_campaign": None,
        "session_number": number,
        "events": len(events),
        **{column: sum(e.event_type == t for e in events) for t, column in EVENT_COUNTS.items()},
        "identified_customers": len({e.customer_id for e in events if pd.notna(e.customer_id)}),
        "identified_leads": len({e.lead_id for e in events if pd.notna(e.lead_id)}),
        "session_duration_seconds": int((ended.floor("s") - started.floor("s")).total_seconds()),
        "session_date": started.normalize(),
        "session_started_at": started,
        "session_ended_at": ended,
    }
    return row


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values("session_id").reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    frame = pd.DataFrame(EVENTS, columns=COLUMNS)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], format="ISO8601").astype("datetime64[us]")
    frame["utm_medium"] = None
    frame["utm_campaign"] = None
    return frame


@pytest.fixture(scope="module")
def build(events: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    raw_dir = tmp_path_factory.mktemp("sessions_raw")
    events.astype({c: "string" for c in COLUMNS if c != "occurred_at"}).to_parquet(
        Path(raw_dir) / "web_events.parquet", index=False
    )
    return run_dbt(
        ["build", "--select", "+int_web_sessions_built", "--exclude-resource-type", "test", "unit_test"],
        raw_dir=raw_dir,
        work_dir=tmp_path_factory.mktemp("sessions_build"),
        dbt_vars={"as_of_date": AS_OF_DATE},
    )


@pytest.mark.parametrize("snapshot_name", ["current", "training"])
def test_sessions_of_each_snapshot_equal_the_event_by_event_definition(
    build: DbtRun, events: pd.DataFrame, snapshot_name: str
) -> None:
    expected = expected_sessions(events, CUTS[snapshot_name])
    actual = build.frame(
        f"select * exclude (snapshot_name) from intermediate.int_web_sessions_built "
        f"where snapshot_name = '{snapshot_name}'"
    )
    assert list(actual.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(_plain(actual), _plain(expected), check_dtype=False)


def test_stitched_sessions_cover_all_events_without_a_cut(build: DbtRun, events: pd.DataFrame) -> None:
    expected = expected_sessions(events, None)
    actual = build.frame(
        "select * exclude (visitor_type, visitor_id, is_counted_from_events) "
        "from intermediate.int_web_sessions_stitched"
    )
    pd.testing.assert_frame_equal(_plain(actual), _plain(expected), check_dtype=False)


def test_the_fixture_exercises_the_ambiguous_paths(build: DbtRun) -> None:
    # the post-hooks ran on these: slices whose cheap "first" is ambiguous, sessions with several ids
    [(slices, sessions)] = build.query(
        "select (select count_if(is_resolved_from_events) from intermediate.int_web_session_slices_aggregated),"
        " (select count_if(is_counted_from_events) from intermediate.int_web_sessions_stitched)"
    )
    assert slices == 4  # a2 (tie, customers), a3 23:30 (first event without a device), a4 23:30, a5 (tie)
    assert sessions == 3  # a2 (c2, c3, c4), a4 (c1, c2, c3), a5 (l3, l4)
    cut_sessions = build.query(
        "select snapshot_name, session_id, customer_id, events, identified_customers "
        "from intermediate.int_web_sessions_built where session_id in ('anonymous:a4#1', 'anonymous:a3#1') "
        "order by all"
    )
    columns = ["snapshot_name", "session_id", "customer_id", "events", "identified_customers"]
    assert [dict(zip(columns, row, strict=True)) for row in cut_sessions] == [
        {"snapshot_name": "current", "session_id": "anonymous:a3#1", "customer_id": "c5", "events": 3,
         "identified_customers": 1},
        {"snapshot_name": "current", "session_id": "anonymous:a4#1", "customer_id": "c1", "events": 2,
         "identified_customers": 2},
        {"snapshot_name": "training", "session_id": "anonymous:a3#1", "customer_id": None, "events": 2,
         "identified_customers": 0},
    ]  # fmt: skip
