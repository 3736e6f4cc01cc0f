"""Shared constants and vectorized helpers of the demo-data generator.

Time is handled as ``int64`` seconds since the Unix epoch (UTC) throughout; every timestamp the
generator writes lies in the observation window ``[START, END]`` except the planted future ones.
Helpers here turn numpy arrays into Arrow arrays without Python loops over rows (ids, decimals,
dictionary-encoded strings, timestamps).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

#: Observation end: the last second any (non-defective) timestamp may have, 2026-06-30 23:59:59 UTC.
#: Features "as of the day after END" are computed at 2026-07-01 00:00:00.
END: int = int(np.datetime64("2026-06-30T23:59:59", "s").astype(np.int64))
DAY: int = 86_400
HOUR: int = 3_600
YEAR: int = 365 * DAY
#: Observation start: data spans the two years (730 days) before END.
START: int = END + 1 - 730 * DAY
#: The year planted future timestamps fall in.
FUTURE_YEAR_START: int = int(np.datetime64("2099-01-01T00:00:00", "s").astype(np.int64))

#: Holiday seasons in the window (1 Nov .. 31 Dec), as [start, end) second ranges.
HOLIDAY_SEASONS: np.ndarray = np.array(
    [
        [
            np.datetime64(f"{y}-11-01T00:00:00", "s").astype(np.int64),
            np.datetime64(f"{y + 1}-01-01", "s").astype(np.int64),
        ]
        for y in (2024, 2025)
    ],
    dtype=np.int64,
)

#: Stream numbers for child seeds: one independent random stream per (stream, chunk).
STREAMS = {
    "customers": 1,
    "orders": 2,
    "web": 3,
    "email": 4,
    "crm": 5,
    "defects": 6,
    "accounts": 7,
    "leads": 8,
    "lead_events": 9,
    "guests": 10,
    "anonymous": 11,
    "personas": 12,
}


def child_rng(seed: int, stream: str, chunk: int = 0) -> np.random.Generator:
    """An independent, reproducible generator for one stream and chunk of one run."""
    return np.random.default_rng(np.random.SeedSequence([seed, STREAMS[stream], chunk]))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def segment_uniform(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform integer seconds in [lo, hi] per element (hi < lo is treated as hi = lo)."""
    span = np.maximum(hi - lo, 0)
    return lo + (rng.random(len(lo)) * (span + 1)).astype(np.int64)


def choice_codes(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per element i draw a category index from the row ``probs[rows[i]]`` (vectorized inverse CDF)."""
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(rows))
    return (u[:, None] > cdf[rows]).sum(axis=1).astype(np.int32)


def group_positions(group_sizes: np.ndarray) -> np.ndarray:
    """Position 0..k-1 of each element within its group, for groups laid out contiguously."""
    total = int(group_sizes.sum())
    starts = np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    return np.arange(total, dtype=np.int64) - starts


# ---------------------------------------------------------------------------------------------
# Arrow builders
# ---------------------------------------------------------------------------------------------


def _validity(valid: np.ndarray | None) -> tuple[pa.Buffer | None, int]:
    if valid is None or valid.all():
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), int((~valid).sum())


def id_array(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids ``prefix`` + zero-padded ``numbers`` (e.g. ``C00000123``); negative numbers become null."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    plen = len(prefix)
    size = plen + width
    buf = np.empty((n, size), dtype=np.uint8)
    buf[:, :plen] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    x = np.where(numbers < 0, 0, numbers)
    if (x >= 10**width).any():
        raise ValueError(f"id number too wide for {width} digits ({prefix})")
    for j in range(width - 1, -1, -1):
        buf[:, plen + j] = 48 + (x % 10)
        x = x // 10
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)  # callers keep chunks < 2**31 bytes
    validity, nulls = _validity(numbers >= 0)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1)), validity, nulls
    )


def dict_array(codes: np.ndarray, values: Sequence[str]) -> pa.DictionaryArray:
    """Dictionary-encoded strings: ``values[codes]``, negative codes null."""
    codes = np.asarray(codes, dtype=np.int32)
    unique = list(dict.fromkeys(values))
    if len(unique) < len(values):  # a dictionary must not repeat a value: remap to first occurrences
        position = {v: i for i, v in enumerate(unique)}
        codes = np.where(codes < 0, -1, np.array([position[v] for v in values], dtype=np.int32)[codes])
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(unique, type=pa.string()))


def ts_array(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps (naive ``timestamp[us]``) from epoch seconds; ``valid`` False gives null."""
    micros = np.asarray(seconds, dtype=np.int64) * 1_000_000
    return pa.array(
        micros.view("datetime64[us]"), type=pa.timestamp("us"), mask=None if valid is None else ~valid
    )


def decimal_array(units: np.ndarray, precision: int, scale: int, valid: np.ndarray | None = None) -> pa.Array:
    """Exact decimals from integer ``units`` of 10**-scale (e.g. cents for scale 2)."""
    units = np.asarray(units, dtype=np.int64)
    n = len(units)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    validity, nulls = _validity(valid)
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), n, [validity, pa.py_buffer(words.reshape(-1))], null_count=nulls
    )


def int_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``int32`` column, ``valid`` False gives null."""
    return pa.array(
        np.asarray(values, dtype=np.int32), type=pa.int32(), mask=None if valid is None else ~valid
    )


def iso_dates(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings for day numbers since the epoch."""
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"), unit="D")


# ---------------------------------------------------------------------------------------------
# Ids of every entity: prefix + fixed-width number
# ---------------------------------------------------------------------------------------------

#: prefix and digits of each id kind
ID_FORMATS: dict[str, tuple[str, int]] = {
    "customer": ("C", 8),
    "account": ("A", 7),
    "lead": ("L", 8),
    "order": ("O", 10),
    "product": ("P", 5),
    "web_event": ("W", 11),
    "email_event": ("E", 11),
    "anonymous": ("V", 10),
}


def ids(kind: str, numbers: np.ndarray) -> pa.Array:
    """Ids of ``kind`` (see ID_FORMATS) for ``numbers``; negative numbers become null."""
    prefix, width = ID_FORMATS[kind]
    return id_array(prefix, numbers, width)
