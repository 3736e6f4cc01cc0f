"""Unit tests of the Meta customer-list normalisation, hashing, EXTERN_ID and file format (no dbt).

Expected values are Meta's published normalisation examples (the Marketing API's customer-list and
Conversions API customer-information pages: `John_Smith@gmail.com`, `+1 (616) 954-78 88`,
`+44 844 412 4653`, `Mary`, `Smith`, `Menlo Park`, `94035`, `US`, `f`, ...) and their published
SHA-256 hashes, or hashlib over the documented normalised text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from audience.activation.customer_file import (
    MAX_BATCH_SIZE,
    SCHEMA,
    build_customer_list,
    encode_payload,
    is_matchable,
)
from audience.activation.normalize import (
    extern_id,
    normalize_birth_date,
    normalize_city,
    normalize_country,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_zip,
    sha256_hex,
)

SECRET = "unit-test-secret-0123456789"


# ---------- Meta's published examples, with the hashes Meta publishes for them
@pytest.mark.parametrize(
    ("normalize", "raw", "normalised", "published_hash"),
    [
        (normalize_email, "  John_Smith@gmail.com ", "john_smith@gmail.com",
         "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"),
        (lambda value: normalize_phone(value, None), "+44 844 412 4653", "448444124653",
         "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383"),
        (normalize_country, "US", "us", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"),
        (normalize_name, "Mary", "mary", "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec"),
        (normalize_name, "Smith", "smith", "6627835f988e2c5e50533d491163072d3f4f41f5c8b04630150debb3722ca2dd"),
    ],
)  # fmt: skip
def test_published_examples_normalise_and_hash_to_metas_values(normalize, raw, normalised, published_hash):
    assert normalize(raw) == normalised
    assert sha256_hex(normalize(raw)) == published_hash


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+1 (616) 954-78 88", None, "16169547888"),  # Meta: symbols removed, country code kept
        ("(616) 954-7888", "US", "16169547888"),  # no country code: the customer's country supplies it
        ("020 7946 0958", "GB", "442079460958"),  # national trunk zero dropped
        ("0044 20 7946 0958", "DE", "442079460958"),  # 00 international prefix: its own country code wins
        ("+49 30 123456", "FR", "4930123456"),  # an explicit + beats the customer's country
        ("650-555-1212", None, None),  # no country code, no country: cannot be normalised
        ("123", "US", None),  # not a possible number (US numbers have 10 digits)
        ("not a phone", "US", None),
        (None, "US", None),
        ("", "US", None),
    ],
)
def test_phone_is_digits_with_country_code_from_the_customers_country(raw, country, expected):
    assert normalize_phone(raw, country) == expected


def test_email_is_trimmed_and_lowercased_and_junk_is_dropped():
    assert normalize_email("\tPerson@Example.COM\n") == "person@example.com"
    assert (
        sha256_hex("person@example.com") == "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"
    )
    assert normalize_email("no-at-sign") is None
    assert normalize_email("a@b@c") is None
    assert normalize_email("   ") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mary-Ann", "maryann"),  # no punctuation
        ("O'Neil ", "oneil"),
        ("Valéry", "valéry"),  # special characters kept, UTF-8
        ("Vale\u0301ry", "valéry"),  # the same name in decomposed form: one normalised text
        ("José María", "josémaría"),  # no white space
        ("R2D2", "rd"),  # letters only
        ("", None),
    ],
)
def test_names_are_lowercase_letters_only_with_accents_kept(raw, expected):
    assert normalize_name(raw) == expected


def test_accented_name_hashes_its_utf8_bytes():
    assert sha256_hex(normalize_name("Valéry")) == hashlib.sha256("valéry".encode()).hexdigest()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Menlo Park", "menlopark"),
        ("St. Louis", "stlouis"),
        ("São Paulo", "saopaulo"),
        ("Köln", "koln"),
        ("  ", None),
    ],
)
def test_city_is_lowercase_a_to_z_only(raw, expected):
    assert normalize_city(raw) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("94035", "US", "94035"),
        ("94035-1234", "US", "94035"),  # US: the first 5 digits
        ("SW1A 1AA", "GB", "sw1a1"),  # UK: area, district and sector
        ("M1 1AE", "GB", "m11"),
        ("75 008", "FR", "75008"),  # lowercase, no white space
        ("1012 AB", "NL", "1012ab"),
        (None, "US", None),
    ],
)
def test_zip_follows_metas_rules(raw, country, expected):
    assert normalize_zip(raw, country) == expected


def test_country_and_birth_date():
    assert normalize_country(" de ") == "de"
    assert normalize_country("DEU") is None  # alpha-2 only
    assert normalize_birth_date(dt.date(1997, 2, 6)) == ("1997", "02", "06")
    assert normalize_birth_date("1997-02-16") == ("1997", "02", "16")
    assert normalize_birth_date(dt.date(1850, 1, 1)) == (None, None, None)
    assert normalize_birth_date(None) == (None, None, None)


def test_extern_id_is_an_hmac_of_the_subject_not_the_raw_id():
    expected = hmac.new(SECRET.encode(), b"customer:C00000001", hashlib.sha256).hexdigest()
    assert extern_id("customer", "C00000001", SECRET) == expected
    assert extern_id("lead", "C00000001", SECRET) != expected  # subject types never collide
    assert extern_id("customer", "C00000001", SECRET + "x") != expected
    assert "C00000001" not in expected


# ---------- the file format
def _member(number: int, **overrides) -> dict:
    member = {
        "subject_type": "customer",
        "subject_id": f"C{number:08d}",
        "email": f"Person{number}@Example.com",
        "phone": f"+44 20 7946 {number % 10000:04d}",
        "first_name": "Mary",
        "last_name": "Smith",
        "city": "London",
        "postal_code": "SW1A 1AA",
        "country_code": "GB",
        "birth_date": dt.date(1990, 1, 1 + number % 28),
    }
    member.update(overrides)
    return member


def test_a_row_is_the_hash_of_each_normalised_key_in_schema_order():
    result = build_customer_list([_member(7)], SECRET, batch_size=10)
    payload = json.loads(result.files[0].content)
    assert payload["schema"] == list(SCHEMA)
    assert payload["data"] == [
        [
            extern_id("customer", "C00000007", SECRET),
            sha256_hex("person7@example.com"),
            sha256_hex("442079460007"),
            sha256_hex("mary"),
            sha256_hex("smith"),
            sha256_hex("london"),
            sha256_hex("sw1a1"),
            sha256_hex("gb"),
            sha256_hex("1990"),
            sha256_hex("01"),
            sha256_hex("08"),
        ]
    ]


def test_missing_keys_are_empty_and_unmatchable_members_are_left_out_and_counted():
    members = [
        _member(1, phone=None, city=None, birth_date=None),
        _member(2, email=None, phone="123", country_code="US"),  # names only: still matchable
        _member(3, email=None, phone=None, last_name=None),  # a first name alone: not matchable
    ]
    result = build_customer_list(members, SECRET, batch_size=10)
    rows = json.loads(result.files[0].content)["data"]
    assert (result.members, result.rows, result.rows_without_identifier, result.phones_unusable) == (
        3,
        2,
        1,
        1,
    )
    by_id = {row[0]: dict(zip(SCHEMA, row, strict=True)) for row in rows}
    first = by_id[extern_id("customer", "C00000001", SECRET)]
    assert first["PHONE"] == first["CT"] == first["DOBY"] == ""
    assert all(is_matchable(row) for row in rows)


def test_batches_hold_at_most_batch_size_rows_and_concatenate_to_the_whole_list():
    members = [_member(number) for number in range(1, 251)]
    whole = build_customer_list(members, SECRET, batch_size=MAX_BATCH_SIZE)
    cut = build_customer_list(members, SECRET, batch_size=100)
    assert [f.rows for f in cut.files] == [100, 100, 50]
    assert [f.name for f in cut.files] == ["batch-00001.json", "batch-00002.json", "batch-00003.json"]
    rows = [row for f in cut.files for row in json.loads(f.content)["data"]]
    assert rows == json.loads(whole.files[0].content)["data"]
    assert rows == sorted(rows)  # ordered by EXTERN_ID, not by customer id


def test_same_members_give_byte_identical_files_whatever_their_order():
    members = [_member(number) for number in range(1, 40)]
    first = build_customer_list(members, SECRET, batch_size=16)
    again = build_customer_list(list(reversed(members)), SECRET, batch_size=16)
    assert [f.content for f in first.files] == [f.content for f in again.files]
    assert [f.sha256 for f in first.files] == [hashlib.sha256(f.content).hexdigest() for f in again.files]


def test_file_bytes_are_the_sdk_encoding_of_the_payload():
    # facebook_business.api._top_level_param_json_encode: json.dumps(value, sort_keys=True, separators=(',', ':'))
    rows = [["a" * 64, ""], ["b" * 64, "c" * 64]]
    expected = json.dumps(
        {"schema": ["EXTERN_ID", "EMAIL"], "data": rows}, sort_keys=True, separators=(",", ":")
    )
    assert encode_payload(["EXTERN_ID", "EMAIL"], rows) == expected.encode()


@pytest.mark.parametrize("batch_size", [0, MAX_BATCH_SIZE + 1])
def test_batch_size_outside_metas_limit_is_refused(batch_size):
    with pytest.raises(ValueError, match="outside 1..10000"):
        build_customer_list([_member(1)], SECRET, batch_size=batch_size)


# ---------- sync guards (no warehouse needed)
def test_only_the_newest_runs_are_kept(tmp_path):
    from audience.activation.sync import prune_runs

    names = ["20260101T000000000000Z-aa", "20260102T000000000000Z-bb", "20260103T000000000000Z-cc"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "batch-00001.json").write_text("{}")
    deleted = prune_runs(tmp_path, keep=2)
    assert [path.name for path in deleted] == names[:1]
    assert sorted(path.name for path in tmp_path.iterdir()) == names[1:]


@pytest.mark.parametrize(
    ("refresh", "age", "allow_stale", "refused"),
    [
        ("daily", dt.timedelta(hours=23), False, False),
        ("daily", dt.timedelta(hours=25), False, True),
        ("daily", dt.timedelta(hours=25), True, False),
        ("weekly", dt.timedelta(days=6), False, False),
        ("weekly", dt.timedelta(days=8), False, True),
        ("manual", dt.timedelta(days=400), False, False),
    ],
)
def test_members_older_than_the_refresh_are_refused(refresh, age, allow_stale, refused):
    from audience.activation.meta import SyncError
    from audience.activation.sync import check_freshness

    now = dt.datetime(2026, 6, 1, 12, 0)
    definition = {"audience_name": "a", "refresh": refresh, "built_at": now - age}
    if refused:
        with pytest.raises(SyncError, match="--allow-stale"):
            check_freshness(definition, now, allow_stale)
    else:
        check_freshness(definition, now, allow_stale)
