"""Customer-list files of one audience, in the Marketing API's payload format, byte-identical per input.

A file is one API request's `payload`: `{"data": [[...], ...], "schema": ["EXTERN_ID", "EMAIL", ...]}`,
every identifier normalised and SHA-256 hashed (`normalize`), a missing one sent as `""`, and EXTERN_ID
the HMAC pseudonym of the subject id. It is written exactly as the `facebook_business` SDK encodes a
request parameter (`json.dumps(payload, sort_keys=True, separators=(",", ":"))`), so the bytes on disk
are the bytes sent. Rows are ordered by EXTERN_ID and cut into batches of at most `batch_size` rows
(Meta accepts at most 10,000 per request), so the same members, identifiers and secret always give the
same files.

A member without any matchable identifier (no email, no usable phone, and not both names) is left out
and counted: Meta cannot match such a row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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

#: The multi-key schema of every file, in column order.
SCHEMA: tuple[str, ...] = (
    "EXTERN_ID",
    "EMAIL",
    "PHONE",
    "FN",
    "LN",
    "CT",
    "ZIP",
    "COUNTRY",
    "DOBY",
    "DOBM",
    "DOBD",
)

#: Meta's limit of rows per request.
MAX_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class CustomerFile:
    """One batch file: its name, rows, the exact bytes and their SHA-256."""

    name: str
    rows: int
    content: bytes
    sha256: str


@dataclass
class CustomerList:
    """All files of one audience export, with the counts of what was left out."""

    files: list[CustomerFile]
    members: int
    rows: int
    rows_without_identifier: int
    phones_unusable: int
    schema: tuple[str, ...] = field(default=SCHEMA)


def member_row(member: Mapping[str, object], secret: str) -> tuple[list[str], bool]:
    """One member's file row (hashed values in `SCHEMA` order, "" when missing) and whether its phone,
    present in the input, could not be normalised."""
    country = member.get("country_code")
    country = str(country) if country is not None else None
    phone = normalize_phone(member.get("phone"), country)
    phone_unusable = member.get("phone") not in (None, "") and phone is None
    doby, dobm, dobd = normalize_birth_date(member.get("birth_date"))
    normalised = {
        "EMAIL": normalize_email(member.get("email")),
        "PHONE": phone,
        "FN": normalize_name(member.get("first_name")),
        "LN": normalize_name(member.get("last_name")),
        "CT": normalize_city(member.get("city")),
        "ZIP": normalize_zip(member.get("postal_code"), country),
        "COUNTRY": normalize_country(country),
        "DOBY": doby,
        "DOBM": dobm,
        "DOBD": dobd,
    }
    row = [extern_id(str(member["subject_type"]), str(member["subject_id"]), secret)]
    row += [sha256_hex(normalised[key]) if normalised[key] else "" for key in SCHEMA[1:]]
    return row, phone_unusable


def is_matchable(row: Sequence[str]) -> bool:
    """Whether Meta can match the row: an email, a phone, or both first and last name."""
    values = dict(zip(SCHEMA, row, strict=True))
    return bool(values["EMAIL"] or values["PHONE"] or (values["FN"] and values["LN"]))


def encode_payload(schema: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """The payload as the SDK sends it: sorted keys, no whitespace, ASCII."""
    payload = {"schema": list(schema), "data": [list(row) for row in rows]}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("ascii")


def build_customer_list(
    members: Iterable[Mapping[str, object]], secret: str, batch_size: int
) -> CustomerList:
    """The files of one audience from its members (dicts with subject_type, subject_id and the identifiers)."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch size {batch_size} is outside 1..{MAX_BATCH_SIZE} (Meta's limit per request)")
    if not secret:
        raise ValueError("the EXTERN_ID secret is empty")
    rows: list[list[str]] = []
    member_count = dropped = phones_unusable = 0
    for member in members:
        member_count += 1
        row, phone_unusable = member_row(member, secret)
        phones_unusable += phone_unusable
        if is_matchable(row):
            rows.append(row)
        else:
            dropped += 1
    rows.sort()
    batches = [rows[start : start + batch_size] for start in range(0, len(rows), batch_size)]
    files = []
    for number, batch in enumerate(batches, start=1):
        content = encode_payload(SCHEMA, batch)
        files.append(
            CustomerFile(
                name=f"batch-{number:05d}.json",
                rows=len(batch),
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return CustomerList(
        files=files,
        members=member_count,
        rows=len(rows),
        rows_without_identifier=dropped,
        phones_unusable=phones_unusable,
    )


def write_customer_list(customer_list: CustomerList, directory: Path) -> list[Path]:
    """Write the batch files into `directory` (created; must not hold files already). Returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"export directory {directory} is not empty")
    paths = []
    for customer_file in customer_list.files:
        path = directory / customer_file.name
        path.write_bytes(customer_file.content)
        paths.append(path)
    return paths
