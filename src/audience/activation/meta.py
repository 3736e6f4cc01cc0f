"""Sending customer-list files to a Meta Custom Audience with the official `facebook_business` SDK.

* add: `CustomAudience(id).create_user(params={"payload", "session"})`, i.e. POST `/<id>/users`;
* replace: `CustomAudience(id).create_users_replace(...)`, POST `/<id>/usersreplace`: the audience
  becomes exactly the uploaded rows. Every batch of one upload carries the same `session`
  (`session_id`, `batch_seq` from 1, `last_batch_flag` on the last, `estimated_num_total`), so Meta
  swaps the audience only once the last batch arrived.
* remove (erasure, `audience erase --send`): `CustomAudience(id).delete_users(...)`, DELETE `/<id>/users`
  with the rows exactly as they were added; the SDK sends a DELETE's parameters in the query string, so
  removals go in small batches (`remove_rows`, REMOVAL_BATCH_ROWS).

The payload sent is the file's content: the SDK JSON-encodes a parameter with sorted keys and no
whitespace, exactly as the files are written, so the bytes on the wire are the bytes on disk.

Credentials come from the environment only (`MetaCredentials.from_env`): META_ACCESS_TOKEN (required to
send), META_APP_SECRET (optional: the SDK then adds `appsecret_proof`), META_APP_ID (optional). They are
never logged or printed: errors are reported from the API's error fields, and anything that could
carry the request URL (where the SDK puts the token) is redacted.

Base URL: the SDK builds every URL from `FacebookSession.GRAPH` (class attribute,
`https://graph.facebook.com`) + `/<api version>/<node>/<edge>`. `graph_url` (env META_GRAPH_URL) sets
`GRAPH` on our session instance only, e.g. `http://127.0.0.1:8765` for the tests' fake Graph API; plain
http is refused for any host but the loopback, so a token never travels unencrypted. The SDK's global
default API and its crash reporter (`FacebookAdsApi.init`) are not used.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

from facebook_business.adobjects.customaudience import CustomAudience
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookError, FacebookRequestError
from facebook_business.session import FacebookSession
from requests import RequestException

log = logging.getLogger(__name__)

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_SECRET_PARAMS = re.compile(r"(access_token|appsecret_proof|client_secret)=[^&\s'\"]+")


@dataclass(frozen=True)
class MetaCredentials:
    """Marketing API credentials, from the environment only. `repr` never shows them."""

    access_token: str
    app_secret: str | None = None
    app_id: str | None = None

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> MetaCredentials:
        environ = os.environ if environ is None else environ
        token = environ.get("META_ACCESS_TOKEN", "").strip()
        if not token:
            raise SyncError("META_ACCESS_TOKEN is not set: the access token comes from the environment only")
        return cls(
            access_token=token,
            app_secret=environ.get("META_APP_SECRET", "").strip() or None,
            app_id=environ.get("META_APP_ID", "").strip() or None,
        )

    def __repr__(self) -> str:
        return "MetaCredentials(<redacted>)"

    def redact(self, text: str) -> str:
        """`text` with the credentials and any secret URL parameter masked."""
        text = _SECRET_PARAMS.sub(r"\1=<redacted>", text)
        for secret in (self.access_token, self.app_secret):
            if secret:
                text = text.replace(secret, "<redacted>")
        return text


class SyncError(RuntimeError):
    """A sync that could not complete; the message is safe to print (no credentials, no identifiers)."""


@dataclass(frozen=True)
class BatchResult:
    """What the API answered for one batch."""

    batch_seq: int
    rows: int
    num_received: int | None
    num_invalid_entries: int | None


class _RedactingFilter(logging.Filter):
    def __init__(self, credentials: MetaCredentials):
        super().__init__()
        self._credentials = credentials

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._credentials.redact(record.getMessage())
        record.args = ()
        return True


@contextmanager
def redacted_logs(credentials: MetaCredentials) -> Iterator[None]:
    """While active, the HTTP libraries' log records (which carry request URLs) are redacted."""
    names = ["urllib3.connectionpool", "urllib3", "requests", "facebook_business"]
    loggers = [logging.getLogger(name) for name in names]
    flt = _RedactingFilter(credentials)
    for logger in loggers:
        logger.addFilter(flt)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(flt)


def check_graph_url(graph_url: str) -> str:
    """The base URL without a trailing slash; https, or http to the loopback only."""
    parsed = urlparse(graph_url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
        return graph_url.rstrip("/")
    raise SyncError(f"graph URL {graph_url!r} refused: https only (plain http only to 127.0.0.1/localhost)")


def make_api(
    credentials: MetaCredentials,
    graph_url: str | None = None,
    api_version: str | None = None,
    timeout: float = 120,
) -> FacebookAdsApi:
    """An SDK API object on its own session (not the SDK's global default), optionally on another base URL."""
    session = FacebookSession(
        app_id=credentials.app_id,
        app_secret=credentials.app_secret,
        access_token=credentials.access_token,
        timeout=timeout,
    )
    if graph_url:
        session.GRAPH = check_graph_url(graph_url)  # shadows the class default for this session only
    return FacebookAdsApi(session, api_version=api_version)


def upload_session(session_id: int, batch_seq: int, batches: int, total_rows: int) -> dict:
    """The `session` parameter of batch `batch_seq` (1-based) of an upload of `batches` batches."""
    return {
        "session_id": session_id,
        "batch_seq": batch_seq,
        "last_batch_flag": batch_seq == batches,
        "estimated_num_total": total_rows,
    }


def _error_message(error: FacebookRequestError, batch_seq: int, batches: int) -> str:
    parts = [f"HTTP {error.http_status()}"]
    if error.api_error_code() is not None:
        code = str(error.api_error_code())
        if error.api_error_subcode() is not None:
            code += f"/{error.api_error_subcode()}"
        parts.append(f"code {code}")
    if error.api_error_type():
        parts.append(str(error.api_error_type()))
    message = error.api_error_message() or "no error message in the response"
    body = error.body() if isinstance(error.body(), dict) else {}
    trace = (body.get("error") or {}).get("fbtrace_id") if isinstance(body.get("error"), dict) else None
    suffix = f" (fbtrace_id {trace})" if trace else ""
    return f"Meta API error on batch {batch_seq}/{batches}: {', '.join(parts)}: {message}{suffix}"


def send_batches(
    api: FacebookAdsApi,
    credentials: MetaCredentials,
    audience_id: str,
    mode: str,
    payloads: Sequence[bytes],
    total_rows: int,
    session_id: int,
    on_batch=None,
) -> list[BatchResult]:
    """Send the files in order, one request each, in one upload session. `on_batch(seq, result_or_error)`
    is called after each request (for the audit log). Raises SyncError at the first failing batch."""
    if mode not in ("add", "replace"):
        raise SyncError(f"unknown sync mode {mode!r} (add or replace)")
    audience = CustomAudience(audience_id, api=api)
    edge = audience.create_users_replace if mode == "replace" else audience.create_user
    results = []
    with redacted_logs(credentials):
        for batch_seq, content in enumerate(payloads, start=1):
            payload = json.loads(content)
            params = {
                "payload": payload,
                "session": upload_session(session_id, batch_seq, len(payloads), total_rows),
            }
            try:
                response = edge(params=params)
            except FacebookRequestError as error:
                message = credentials.redact(_error_message(error, batch_seq, len(payloads)))
                if on_batch:
                    on_batch(batch_seq, SyncError(message))
                raise SyncError(message) from None
            except (RequestException, FacebookError) as error:
                message = credentials.redact(
                    f"request for batch {batch_seq}/{len(payloads)} failed: {type(error).__name__}: {error}"
                )
                if on_batch:
                    on_batch(batch_seq, SyncError(message))
                raise SyncError(message) from None
            data = response.export_all_data() if hasattr(response, "export_all_data") else {}
            result = BatchResult(
                batch_seq=batch_seq,
                rows=len(payload["data"]),
                num_received=_int_or_none(data.get("num_received")),
                num_invalid_entries=_int_or_none(data.get("num_invalid_entries")),
            )
            log.info(
                "batch %d/%d sent: %d rows, %s received",
                batch_seq,
                len(payloads),
                result.rows,
                result.num_received,
            )
            results.append(result)
            if on_batch:
                on_batch(batch_seq, result)
    return results


#: Rows per removal request: a DELETE carries its payload in the URL (about 800 bytes per hashed row).
REMOVAL_BATCH_ROWS = 10


def remove_rows(
    api: FacebookAdsApi,
    credentials: MetaCredentials,
    audience_id: str,
    schema: Sequence[str],
    rows: Sequence[Sequence[str]],
    session_id: int,
    batch_rows: int = REMOVAL_BATCH_ROWS,
) -> list[BatchResult]:
    """Remove hashed rows (as they were added, same schema) from a Custom Audience: DELETE /<id>/users,
    in batches of `batch_rows` rows of one session. Raises SyncError at the first failing batch."""
    audience = CustomAudience(audience_id, api=api)
    batches = [rows[start : start + batch_rows] for start in range(0, len(rows), batch_rows)]
    results = []
    with redacted_logs(credentials):
        for batch_seq, batch in enumerate(batches, start=1):
            params = {
                "payload": {"schema": list(schema), "data": [list(row) for row in batch]},
                "session": upload_session(session_id, batch_seq, len(batches), len(rows)),
            }
            try:
                response = audience.delete_users(params=params)
            except FacebookRequestError as error:
                raise SyncError(credentials.redact(_error_message(error, batch_seq, len(batches)))) from None
            except (RequestException, FacebookError) as error:
                raise SyncError(
                    credentials.redact(
                        f"removal request {batch_seq}/{len(batches)} failed: {type(error).__name__}: {error}"
                    )
                ) from None
            data = response.export_all_data() if hasattr(response, "export_all_data") else {}
            results.append(
                BatchResult(
                    batch_seq=batch_seq,
                    rows=len(batch),
                    num_received=_int_or_none(data.get("num_received")),
                    num_invalid_entries=_int_or_none(data.get("num_invalid_entries")),
                )
            )
    return results


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
