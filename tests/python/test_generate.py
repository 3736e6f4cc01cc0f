"""Tests of the demo-data generator at scale S: contract, determinism, planted defects, truth, formats."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from audience.generate import SCALES, generate
from audience.generate import reference as ref
from audience.generate.b2b import industry_vocabulary, seniority_of, title_vocabulary
from audience.generate.personas import PERSONAS, SHARES

ROOT = Path(__file__).resolve().parents[2]
TABLES = (
    "customers",
    "leads",
    "consents",
    "survey_responses",
    "orders",
    "order_items",
    "web_events",
    "email_events",
    "accounts",
)
END = "2026-06-30 23:59:59"
START = "2024-07-01 00:00:00"
EMAIL_OK = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def contract_columns() -> dict[str, list[str]]:
    """Columns of every raw table, in order, from the staging source YAML files."""
    out = {}
    for path in sorted((ROOT / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                out[table["name"]] = [c["name"] for c in table["columns"]]
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gen_s")
    generate("S", 42, base / "raw", base / "truth")
    return base


@pytest.fixture(scope="module")
def con(run: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views of the raw tables, the truth and the country seeds."""
    c = duckdb.connect()
    for t in TABLES:
        c.execute(f"create view {t} as select * from read_parquet('{run / 'raw' / t}.parquet')")
    for t in ("customer_personas", "customer_duplicates", "lead_truth"):
        c.execute(f"create view {t} as select * from read_parquet('{run / 'truth' / t}.parquet')")
    seeds = ROOT / "seeds" / "reference"
    c.execute(
        f"""create view country_spellings as
        select lower(trim(country_code)) v from read_csv('{seeds / "country_codes.csv"}', all_varchar=true)
        union select lower(trim(country_code_alpha3)) from read_csv('{seeds / "country_codes.csv"}', all_varchar=true)
        union select lower(trim(country_name)) from read_csv('{seeds / "country_codes.csv"}', all_varchar=true)
        union select lower(trim(alias)) from read_csv('{seeds / "country_aliases.csv"}', all_varchar=true)"""
    )
    return c


def one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


# ---- contract and formats ------------------------------------------------------------------------


#: Optional contract tables the generator does not write (no demo data for them yet).
NOT_GENERATED = {"traits", "erasure_requests"}


def test_every_contract_table_with_exactly_the_contract_columns(run: Path) -> None:
    contract = contract_columns()
    assert set(contract) == set(TABLES) | NOT_GENERATED
    for t in TABLES:
        assert pq.read_schema(run / "raw" / f"{t}.parquet").names == contract[t], t
        assert pq.ParquetFile(run / "raw" / f"{t}.parquet").metadata.num_rows > 0, t


def test_same_seed_same_bytes_other_seed_other_bytes(run: Path, tmp_path: Path) -> None:
    generate("S", 42, tmp_path / "a" / "raw", tmp_path / "a" / "truth")
    generate("S", 43, tmp_path / "b" / "raw", tmp_path / "b" / "truth")
    for sub in ("raw", "truth"):
        files = sorted(p.name for p in (run / sub).iterdir())
        assert files == sorted(p.name for p in (tmp_path / "a" / sub).iterdir())
        for name in files:
            assert (run / sub / name).read_bytes() == (tmp_path / "a" / sub / name).read_bytes(), name
    for t in TABLES:
        assert (run / "raw" / f"{t}.parquet").read_bytes() != (
            tmp_path / "b" / "raw" / f"{t}.parquet"
        ).read_bytes()


def test_csv_writer_gives_the_same_data_as_parquet(
    run: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    generate("S", 42, tmp_path / "raw", tmp_path / "truth", fmt="csv")
    contract = contract_columns()
    for t in TABLES:
        path = tmp_path / "raw" / f"{t}.csv"
        with open(path, newline="") as f:
            assert next(csv.reader(f)) == contract[t]
        types = dict(con.execute(f"select column_name, column_type from (describe {t})").fetchall())
        cast = ", ".join(f'cast("{c}" as {types[c]}) as "{c}"' for c in contract[t])
        csv_rel = f"select {cast} from read_csv('{path}', all_varchar=true, header=true)"
        assert one(con, f"select count(*) from ({csv_rel})") == one(con, f"select count(*) from {t}")
        assert one(con, f"select count(*) from (select * from {t} except all {csv_rel})") == 0, t
        assert one(con, f"select count(*) from ({csv_rel} except all select * from {t})") == 0, t
    ts = con.execute(
        f"select occurred_at from read_csv('{tmp_path / 'raw' / 'web_events.csv'}', all_varchar=true)"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ts.fetchone()[0])


def test_scales_and_arguments(tmp_path: Path) -> None:
    assert SCALES["S"].customers == 2_000 and SCALES["L"].customers == 1_000_000
    with pytest.raises(ValueError, match="scale"):
        generate("XL", 1, "/nonexistent/raw", "/nonexistent/truth")
    with pytest.raises(ValueError, match="format"):
        generate("S", 1, tmp_path / "raw", tmp_path / "truth", fmt="json")


# ---- planted defects, recounted independently from the files -----------------------------------------

#: Planted outlier orders: a completed order of at least this amount (OUTLIER_EXTRA_CENTS / 100).
OUTLIER = 1_000_000
ORDER_QUARANTINE = f"""(customer_id is null or trim(customer_id) = ''
    or (coalesce(status, 'completed') = 'completed' and (amount < 0 or amount >= {OUTLIER}))
    or ordered_at > timestamp '{END}')"""


def recount(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], int]:
    """Every planted defect class counted from the raw files with the rules of dq_rules.csv."""
    valid_email = f"regexp_matches(lower(trim(email)), '{EMAIL_OK}')"
    age = "date_diff('year', try_cast(birth_date as date), current_date)"
    return {
        ("customers", "invalid_email", "email"): one(
            con, f"select count(*) from customers where email is not null and not {valid_email}"
        ),
        ("customers", "unparseable_value", "birth_date"): one(
            con,
            "select count(*) from customers where birth_date is not null and try_cast(birth_date as date) is null",
        ),
        ("customers", "impossible_birth_date", "birth_date"): one(
            con,
            f"select count(*) from customers where try_cast(birth_date as date) > current_date or {age} > 120",
        ),
        ("customers", "unknown_country_code", "country_code"): one(
            con,
            "select count(*) from customers where country_code is not null "
            "and lower(trim(country_code)) not in (select v from country_spellings)",
        ),
        ("customers", "duplicate_email", "email"): one(
            con,
            f"select count(*) - count(distinct lower(trim(email))) from customers where {valid_email}",
        ),
        ("orders", "missing_required_value", "customer_id"): one(
            con, "select count(*) from orders where customer_id is null or trim(customer_id) = ''"
        ),
        ("orders", "negative_amount", "amount"): one(
            con, "select count(*) from orders where status = 'completed' and amount < 0"
        ),
        ("orders", "outlier_amount", "amount"): one(
            con, f"select count(*) from orders where status = 'completed' and amount >= {OUTLIER}"
        ),
        ("orders", "future_timestamp", "ordered_at"): one(
            con, f"select count(*) from orders where ordered_at > timestamp '{END}'"
        ),
        ("orders", "duplicate_row", ""): one(
            con, "select count(*) - (select count(*) from (select distinct * from orders)) from orders"
        ),
        ("order_items", "orphan_foreign_key", "order_id"): one(
            con, "select count(*) from order_items where order_id not in (select order_id from orders)"
        ),
        ("order_items", "parent_quarantined", "order_id"): one(
            con,
            f"""select count(*) from order_items where order_id in (
                select order_id from orders group by 1 having bool_and({ORDER_QUARANTINE}))""",
        ),
        ("web_events", "missing_required_value", "event_id"): one(
            con, "select count(*) from web_events where event_id is null"
        ),
        ("web_events", "future_timestamp", "occurred_at"): one(
            con, f"select count(*) from web_events where occurred_at > timestamp '{END}'"
        ),
        ("web_events", "duplicate_row", ""): one(
            con,
            "select count(*) - (select count(*) from (select distinct * from web_events)) from web_events",
        ),
        ("email_events", "event_before_subject_created", "occurred_at"): one(
            con,
            "select count(*) from email_events e join customers c using (customer_id) where e.occurred_at < c.created_at",
        ),
    }


def test_defects_csv_matches_an_independent_recount(run: Path, con: duckdb.DuckDBPyConnection) -> None:
    with open(run / "truth" / "defects.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["table_name", "reason_code", "column_name", "level", "planted_rows"]
    planted = {(r["table_name"], r["reason_code"], r["column_name"]): int(r["planted_rows"]) for r in rows}
    assert planted == recount(con)
    for key, n in planted.items():
        assert n >= 3, key
    rules = {}
    with open(ROOT / "seeds" / "dq" / "dq_rules.csv", newline="") as f:
        for r in csv.DictReader(f):
            rules[r["reason_code"]] = r["level"]
    for r in rows:
        assert rules[r["reason_code"]] == r["level"], r


def test_each_defective_row_triggers_one_rule(con: duckdb.DuckDBPyConnection) -> None:
    flags = f"""(customer_id is null)::int + (status = 'completed' and amount < 0)::int
        + (status = 'completed' and amount >= {OUTLIER})::int + (ordered_at > timestamp '{END}')::int"""
    assert one(con, f"select count(*) from orders where {flags} > 1") == 0
    assert (
        one(
            con,
            f"select count(*) from (select distinct * from orders) where {flags} > 0 and order_id in "
            "(select order_id from orders group by 1 having count(*) > 1)",
        )
        == 0
    )
    assert (
        one(
            con, f"select count(*) from web_events where event_id is null and occurred_at > timestamp '{END}'"
        )
        == 0
    )
    assert (
        one(
            con,
            f"""select count(*) from (select distinct * from web_events) where (event_id is null
        or occurred_at > timestamp '{END}') and event_id in
        (select event_id from web_events group by 1 having count(*) > 1)""",
        )
        == 0
    )
    value_defects = f"""(email is not null and not regexp_matches(lower(trim(email)), '{EMAIL_OK}'))::int
        + (birth_date is not null and (try_cast(birth_date as date) is null
           or try_cast(birth_date as date) > current_date
           or date_diff('year', try_cast(birth_date as date), current_date) > 120))::int
        + (lower(trim(country_code)) not in (select v from country_spellings))::int"""
    assert one(con, f"select count(*) from customers where {value_defects} > 1") == 0
    dup_ids = "(select duplicate_customer_id from customer_duplicates)"
    assert (
        one(con, f"select count(*) from customers where customer_id in {dup_ids} and {value_defects} > 0")
        == 0
    )


def test_no_accidental_defects_elsewhere(con: duckdb.DuckDBPyConnection) -> None:
    # every clean value is valid: ages 18-90, known countries, timestamps in the window, keys unique
    assert one(con, "select count(*) from customers where email is null") == 0
    ages = one(
        con,
        "select count(*) from customers where date_diff('year', try_cast(birth_date as date), date '2026-06-30') "
        "not between 18 and 90 and try_cast(birth_date as date) between date '1900-01-01' and date '2020-01-01'",
    )
    assert ages == 0
    for t in ("leads", "accounts"):
        assert (
            one(
                con,
                f"select count(*) from {t} where lower(trim(country_code)) not in "
                "(select v from country_spellings)",
            )
            == 0
        )
    assert one(con, f"select count(*) from leads where not regexp_matches(email, '{EMAIL_OK}')") == 0
    window = {
        "leads": ["created_at", "converted_at"],
        "consents": ["recorded_at"],
        "survey_responses": ["answered_at"],
        "email_events": ["occurred_at"],
        "customers": ["created_at"],
    }
    for t, cols in window.items():
        for c in cols:
            assert one(con, f"select count(*) from {t} where {c} > timestamp '{END}'") == 0, (t, c)
    assert one(con, f"select count(*) from customers where created_at < timestamp '{START}'") == 0
    assert one(con, "select count(*) from order_items where quantity = 0 or unit_price < 0") == 0
    assert (
        one(
            con,
            "select count(*) from accounts where employee_count < 0 or annual_revenue < 0 "
            "or founded_year not between 1800 and 2026",
        )
        == 0
    )
    keys = {
        "customers": "customer_id",
        "leads": "lead_id",
        "accounts": "account_id",
        "email_events": "event_id",
        "order_items": "order_id, line_number",
        "survey_responses": "customer_id, question_key",
        "consents": "subject_type, subject_id, purpose, recorded_at",
    }
    for t, key in keys.items():
        assert one(con, f"select count(*) - count(distinct ({key})) from {t}") == 0, t
    assert (
        one(
            con,
            "select count(*) from (select order_id from (select distinct * from orders) group by 1 "
            "having count(*) > 1)",
        )
        == 0
    )
    codes = {
        "orders": ("status", ref.ORDER_STATUSES),
        "web_events": ("event_type", ref.WEB_EVENT_TYPES),
        "email_events": ("event_type", ref.EMAIL_EVENT_TYPES),
        "consents": ("purpose", ref.CONSENT_PURPOSES),
    }
    for t, (col, values) in codes.items():
        assert {v for (v,) in con.execute(f"select distinct {col} from {t}").fetchall()} <= set(values)


def test_guest_checkouts_are_orders_of_unknown_customers(con: duckdb.DuckDBPyConnection) -> None:
    guests = one(
        con, "select count(*) from orders where customer_id not in (select customer_id from customers)"
    )
    total = one(con, "select count(*) from orders")
    assert 0.005 * total <= guests <= 0.02 * total
    assert (
        one(
            con,
            "select count(*) from order_items i join orders o using (order_id) "
            "where o.customer_id not in (select customer_id from customers)",
        )
        >= guests
    )


def test_amount_is_the_sum_of_the_lines(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = one(
        con,
        f"""select count(*) from (select distinct * from orders) o
        join (select order_id, sum(quantity * unit_price) s from order_items group by 1) i using (order_id)
        where not {ORDER_QUARANTINE} and round(i.s, 2) <> o.amount""",
    )
    assert mismatched == 0


# ---- ground truth ----------------------------------------------------------------------------------


def test_personas_in_planned_shares(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.execute("select persona, count(*) from customer_personas group by 1").fetchall())
    total = sum(counts.values())
    assert total == SCALES["S"].customers
    for name, share in zip(PERSONAS, SHARES, strict=True):
        assert abs(counts[name] / total - share) <= 0.05, name


def test_personas_are_recoverable_by_clustering(con: duckdb.DuckDBPyConnection) -> None:
    """KMeans on RFM + behavioural features as of 2026-07-01 recovers the personas (ARI >= 0.8)."""
    df = con.execute(
        """
        with ids as (select customer_id, customer_id as cid from customer_personas
                     union all select duplicate_customer_id, original_customer_id from customer_duplicates),
        o as (select cid, count(*) n, sum(amount) amt, max(ordered_at) last,
                     coalesce(sum(amount) filter (where month(ordered_at) >= 11), 0) hol
              from orders join ids using (customer_id)
              where status = 'completed' and amount >= 0 and amount < 1000000 and ordered_at <= '2026-07-01'
              group by 1),
        i as (select cid, avg(unit_price) up from order_items join orders using (order_id)
              join ids using (customer_id) group by 1),
        w as (select cid, count(*) n, count(*) filter (where event_type = 'search') s
              from web_events join ids using (customer_id) where occurred_at <= '2026-07-01' group by 1),
        e as (select cid, count(*) filter (where event_type = 'open') opens,
                     count(*) filter (where event_type = 'click') clicks,
                     count(*) filter (where event_type = 'delivered') delivered
              from email_events join ids using (customer_id) group by 1)
        select p.persona,
               ln(1 + coalesce(date_diff('day', o.last, timestamp '2026-07-01'), 730)) recency,
               ln(1 + coalesce(o.n, 0)) frequency, ln(1 + coalesce(o.amt / o.n, 0)) monetary,
               coalesce(o.hol / o.amt, 0) holiday_share, ln(1 + coalesce(i.up, 0)) unit_price,
               ln(1 + coalesce(w.n, 0)) web, coalesce(w.s / w.n, 0) search_share,
               coalesce(e.opens / nullif(e.delivered, 0), 0) open_rate,
               coalesce(e.clicks / nullif(e.delivered, 0), 0) click_rate,
               ln(1 + date_diff('day', c.created_at, timestamp '2026-07-01')) tenure
        from customer_personas p join customers c using (customer_id)
        left join o on o.cid = p.customer_id left join i on i.cid = p.customer_id
        left join w on w.cid = p.customer_id left join e on e.cid = p.customer_id
        """
    ).df()
    x = StandardScaler().fit_transform(df.drop(columns="persona").to_numpy(dtype=float))
    labels = KMeans(6, n_init=10, random_state=0).fit_predict(x)
    assert adjusted_rand_score(df["persona"], labels) >= 0.8


def test_lead_truth_base_rate_signal_and_consistency(con: duckdb.DuckDBPyConnection, run: Path) -> None:
    import json

    manifest = json.loads((run / "truth" / "manifest.json").read_text())
    assert 0.15 <= manifest["lead_base_rate"] <= 0.30
    assert 0.72 <= manifest["lead_oracle_auc"] <= 0.90
    assert manifest["rows"]["leads"] == SCALES["S"].leads
    bad = one(
        con,
        f"""select count(*) from leads l join lead_truth t using (lead_id)
        where (l.converted_at is not null) <> t.converted_by_end
           or (l.status = 'converted') <> t.converted_by_end
           or (t.converted and not t.converted_by_end and l.created_at + interval 90 day <= timestamp '{END}')
           or (t.converted_by_end and not t.converted)""",
    )
    assert bad == 0
    assert one(con, "select count(*) from lead_truth") == SCALES["S"].leads


def test_lead_truth_inputs_are_observable(con: duckdb.DuckDBPyConnection) -> None:
    """The truth's session and click counts equal what the raw events show (30-minute sessions)."""
    mismatches = one(
        con,
        """
        with ev as (select lead_id, anonymous_id, occurred_at,
                       occurred_at - lag(occurred_at) over (partition by anonymous_id order by occurred_at) gap
                    from web_events where lead_id is not null),
        s as (select lead_id, count(*) filter (where gap is null or gap > interval 30 minute) sessions
              from ev group by 1),
        c as (select lead_id, count(*) clicks from email_events where event_type = 'click' group by 1)
        select count(*) from lead_truth t left join s using (lead_id) left join c using (lead_id)
        where coalesce(s.sessions, 0) <> t.web_sessions or coalesce(c.clicks, 0) <> t.email_clicks
        """,
    )
    assert mismatches == 0
    seniority = dict(con.execute("select lead_id, job_title from leads").fetchall())
    truth = dict(con.execute("select lead_id, seniority::varchar from lead_truth").fetchall())
    assert all(seniority_of(seniority[k]) == v for k, v in truth.items())


def test_title_patterns_give_the_template_seniority() -> None:
    titles, codes = title_vocabulary()
    for s, level in enumerate(ref.SENIORITIES):
        for code in np.unique(codes[s][codes[s] >= 0]):
            assert seniority_of(titles[code]) == level, titles[code]


def test_no_email_event_before_creation_except_planted(con: duckdb.DuckDBPyConnection, run: Path) -> None:
    early = one(
        con,
        "select count(*) from email_events e join customers c using (customer_id) where e.occurred_at < c.created_at",
    )
    with open(run / "truth" / "defects.csv", newline="") as f:
        planted = {r["reason_code"]: int(r["planted_rows"]) for r in csv.DictReader(f)}
    assert early == planted["event_before_subject_created"]


# ---- reference seeds ------------------------------------------------------------------------------


def test_country_seeds_cover_iso_and_resolve_every_generated_spelling() -> None:
    with open(ROOT / "seeds" / "reference" / "country_codes.csv", newline="", encoding="utf-8") as f:
        countries = list(csv.DictReader(f))
    with open(ROOT / "seeds" / "reference" / "country_aliases.csv", newline="", encoding="utf-8") as f:
        aliases = list(csv.DictReader(f))
    assert list(countries[0]) == ["country_code", "country_code_alpha3", "country_name", "region"]
    assert list(aliases[0]) == ["alias", "country_code"]
    assert len(countries) == 249
    codes = {c["country_code"] for c in countries}
    assert len(codes) == 249 and len({c["country_code_alpha3"] for c in countries}) == 249
    assert {c["region"] for c in countries} == {"Africa", "Americas", "Asia", "Europe", "Oceania", ""}
    assert [c["country_code"] for c in countries if not c["region"]] == ["AQ"]
    spelled: dict[str, str] = {}
    for c in countries:
        for v in (c["country_code"], c["country_code_alpha3"], c["country_name"]):
            assert spelled.setdefault(v.strip().lower(), c["country_code"]) == c["country_code"], v
    for a in aliases:
        assert a["country_code"] in codes
        assert spelled.setdefault(a["alias"].strip().lower(), a["country_code"]) == a["country_code"], a
    for v in ref.country_value_vocabulary():
        assert v.strip().lower() in spelled, v
    for v in ref.UNKNOWN_COUNTRIES + ("Channel Islands", "European Community", "Unspecified"):
        assert v.strip().lower() not in spelled, v
    online_retail = (
        "United Kingdom,Germany,France,EIRE,Spain,Netherlands,Belgium,Switzerland,Portugal,Australia,Norway,"
        "Italy,Finland,Cyprus,Sweden,Austria,Denmark,Japan,Poland,Israel,USA,Hong Kong,Singapore,Iceland,"
        "Canada,Greece,Malta,United Arab Emirates,RSA,Lebanon,Lithuania,Brazil,Czech Republic,Bahrain,Saudi Arabia"
    )
    assert {spelled[v.lower()] for v in online_retail.split(",")} >= {"GB", "IE", "ZA", "US", "CZ"}


def test_free_text_is_classified_by_the_project_seeds_as_the_truth_assumes() -> None:
    """Industries and job titles map, through seeds/b2b (first matching pattern by priority, lowercased
    text), to the sector and seniority the lead truth uses; every lead source is a known one."""
    seeds = ROOT / "seeds" / "b2b"
    if not (seeds / "industry_sectors.csv").exists() or not (seeds / "job_title_patterns.csv").exists():
        pytest.skip("seeds/b2b absent")

    def first_match(rows: list[dict], text: str, key: str) -> str:
        for r in sorted(rows, key=lambda r: int(r["priority"])):
            if re.search(r["pattern"], text.strip().lower()):
                return r[key]
        return ""

    with open(seeds / "industry_sectors.csv", newline="") as f:
        sectors = list(csv.DictReader(f))
    values, sector_of, _ = industry_vocabulary()
    for value, s in zip(values, sector_of, strict=True):
        assert first_match(sectors, value, "sector") == ref.SECTORS[s], value
    with open(seeds / "job_title_patterns.csv", newline="") as f:
        patterns = [r for r in csv.DictReader(f) if r["attribute"] == "seniority"]
    titles, _ = title_vocabulary()
    same_level = {"junior": "entry"}  # the seed's name of the lowest level
    for title in titles:
        level = seniority_of(title)
        assert first_match(patterns, title, "value") == same_level.get(level, level), title
    with open(seeds / "lead_source_groups.csv", newline="") as f:
        known = {r["lead_source"] for r in csv.DictReader(f)}
    assert set(ref.LEAD_SOURCES) <= known
