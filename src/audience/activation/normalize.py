"""Meta's normalisation of customer-list identifiers, SHA-256 hashing, and the pseudonymous EXTERN_ID.

Each `normalize_*` function returns the normalised text Meta hashes, or None when the value is missing
or cannot be normalised (the key is then sent empty). The rules are those of the Marketing API's
customer file Custom Audiences ("Hashing and normalizing data", multi-key schema):

| key | rule |
|---|---|
| EMAIL | trim leading and trailing whitespace, lowercase |
| PHONE | digits only, with the country calling code, no leading zeros. Parsed with `phonenumbers`: a number
          without `+`/`00` prefix takes the customer's country as its region, so the trunk prefix is
          dropped (`020 7946 0958`, GB -> `442079460958`); a number that is not possible for its country,
          or has no country code and no known country, is left out |
| FN, LN | lowercase, letters only (no punctuation, digits or spaces); accented letters kept, UTF-8 (NFC) |
| CT | lowercase a-z only: accents removed, no punctuation, digits or spaces (`Menlo Park` -> `menlopark`) |
| ZIP | lowercase, no whitespace; US: the first 5 digits (ZIP+4 cut); GB: area, district and sector
        (`SW1A 1AA` -> `sw1a1`) |
| COUNTRY | lowercase ISO 3166-1 alpha-2 |
| DOBY, DOBM, DOBD | `YYYY` (1900 or later), `MM` (01-12), `DD` (01-31) of the date of birth |

Hashes are the lowercase hex SHA-256 of the UTF-8 bytes of the normalised text (64 characters).
EXTERN_ID is not a hash of an identifier Meta knows: it is HMAC-SHA256(secret, "<subject_type>:<subject_id>"),
so the file never carries the raw id, the same subject gets the same EXTERN_ID in every audience and
run, and nobody without the secret can link it back to the id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata

import phonenumbers

_UK_POSTCODE = re.compile(r"([a-z]{1,2}[0-9][a-z0-9]?)([0-9])[a-z]{2}")
_COUNTRY = re.compile(r"[a-z]{2}")


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def extern_id(subject_type: str, subject_id: str, secret: str) -> str:
    """The pseudonymous EXTERN_ID of a subject: HMAC-SHA256(secret, "<subject_type>:<subject_id>"), hex."""
    message = f"{subject_type}:{subject_id}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def normalize_email(value: object) -> str | None:
    """EMAIL: trimmed, lowercased; None unless it has one `@` with text on both sides."""
    text = _text(value)
    if text is None:
        return None
    text = text.lower()
    local, at, domain = text.partition("@")
    if not at or not local or not domain or "@" in domain:
        return None
    return text


def normalize_phone(value: object, country_code: str | None = None) -> str | None:
    """PHONE: E.164 digits without `+` (country calling code first, no trunk zero); None when unknown."""
    text = _text(value)
    if text is None:
        return None
    region = country_code.strip().upper() if country_code and country_code.strip() else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def normalize_name(value: object) -> str | None:
    """FN, LN: lowercase letters only (accents kept, UTF-8 NFC); punctuation, digits, spaces removed."""
    text = _text(value)
    if text is None:
        return None
    letters = "".join(char for char in text.lower() if char.isalpha())
    return unicodedata.normalize("NFC", letters) or None


def normalize_city(value: object) -> str | None:
    """CT: lowercase a-z only: accents removed, no punctuation, digits or spaces."""
    text = _text(value)
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if "a" <= char <= "z") or None


def normalize_zip(value: object, country_code: str | None = None) -> str | None:
    """ZIP: lowercase, no whitespace; US the first 5 digits; GB area + district + sector."""
    text = _text(value)
    if text is None:
        return None
    text = re.sub(r"\s+", "", text.lower())
    country = (country_code or "").strip().upper()
    if country == "US":
        text = text.split("-")[0][:5]
    elif country == "GB":
        match = _UK_POSTCODE.fullmatch(text)
        if match:
            text = match.group(1) + match.group(2)
    return text or None


def normalize_country(value: object) -> str | None:
    """COUNTRY: lowercase ISO 3166-1 alpha-2 (the warehouse already holds alpha-2 codes)."""
    text = _text(value)
    if text is None:
        return None
    text = text.lower()
    return text if _COUNTRY.fullmatch(text) else None


def normalize_birth_date(value: dt.date | None) -> tuple[str | None, str | None, str | None]:
    """DOBY, DOBM, DOBD: (`YYYY`, `MM`, `DD`) of a date of birth from 1900 on; Nones when missing."""
    if value is None:
        return None, None, None
    if not isinstance(value, dt.date):
        value = dt.date.fromisoformat(str(value)[:10])
    if value.year < 1900:
        return None, None, None
    return f"{value.year:04d}", f"{value.month:02d}", f"{value.day:02d}"
