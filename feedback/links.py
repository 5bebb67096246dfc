"""Signed counter tokens and keyed hashes: what a citizen sees is signed or random.

A counter token packs (key version, counter id, generation, questionnaire id) into 8
bytes and adds an 8-byte truncated HMAC-SHA256: 22 URL-safe characters, short enough for
a low-density QR code. The key version travels in clear so keys can be rotated; the
generation lets staff revoke every poster of a counter by bumping it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from dataclasses import dataclass

_LAYOUT = struct.Struct(">BIHB")  # key version, counter id, generation, questionnaire id
_MAC_BYTES = 8
TOKEN_LENGTH = 22
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SUBMISSION_RE = re.compile(r"^[0-9a-f]{32}$")


class InvalidToken(ValueError):
    """The token was not made by us (typo, tampering, unknown or retired key)."""


@dataclass(frozen=True)
class CounterToken:
    key_version: int
    counter_id: int
    generation: int
    questionnaire_id: int


def derive_key(secret: str, purpose: str) -> bytes:
    """Separate keys per purpose, so a leak of one use does not forge another."""
    return hmac.new(secret.encode(), f"feedback:{purpose}".encode(), hashlib.sha256).digest()


def _mac(secret: str, key_version: int, payload: bytes) -> bytes:
    key = derive_key(secret, f"counter-token:v{key_version}")
    return hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_counter_token(secret: str, token: CounterToken) -> str:
    payload = _LAYOUT.pack(
        token.key_version, token.counter_id, token.generation, token.questionnaire_id
    )
    raw = payload + _mac(secret, token.key_version, payload)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read_counter_token(secret: str, text: str, *, min_key_version: int = 1) -> CounterToken:
    """Verify and unpack; raises InvalidToken for anything we did not sign."""
    if not _TOKEN_RE.match(text):
        raise InvalidToken("malformed")
    try:
        raw = base64.urlsafe_b64decode(text + "==")
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("malformed") from exc
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != text:
        raise InvalidToken("non-canonical encoding")  # unused low bits must be zero
    payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    key_version, counter_id, generation, questionnaire_id = _LAYOUT.unpack(payload)
    if key_version < min_key_version:
        raise InvalidToken("retired key")
    if not hmac.compare_digest(mac, _mac(secret, key_version, payload)):
        raise InvalidToken("bad signature")
    return CounterToken(key_version, counter_id, generation, questionnaire_id)


_DOSSIER_CODE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9 .\-_/]{0,39}\Z")


def is_dossier_code(text: str) -> bool:
    """What a receipt (phiếu hẹn) code may look like, as the survey and the petition form
    accept it: letters, digits, spaces, dots, dashes and slashes, at most 40."""
    return bool(_DOSSIER_CODE.match(text))


def normalise_dossier_code(code: str) -> str:
    """Receipt codes are typed by hand: ignore case, spaces and dashes."""
    return re.sub(r"[\s\-_.]", "", code).upper()


def dossier_hash(secret: str, code: str) -> str:
    """Keyed so the stored value cannot be matched against a list of known codes."""
    key = derive_key(secret, "dossier")
    return hmac.new(key, normalise_dossier_code(code).encode(), hashlib.sha256).hexdigest()


def new_submission_id() -> str:
    return secrets.token_hex(16)


def is_submission_id(text: str) -> bool:
    return bool(_SUBMISSION_RE.match(text))


def new_api_token() -> str:
    return "fbk_" + secrets.token_urlsafe(32)


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Short codes typed by hand (a counter's poster code; petitions' tracking codes) -------

#: No 0/O, 1/I/L: the characters people misread. 31 symbols, a prime, so the check
#: character catches every single wrong character and every swap of two neighbours.
SHORT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_SHORT_INDEX = {c: i for i, c in enumerate(SHORT_ALPHABET)}


def _check_char(body: str) -> str:
    """ISO 7064-style weighted sum modulo 31 with weights 1, 2, 3, ... (all distinct
    and non-zero mod 31 for bodies shorter than 30)."""
    total = sum((i + 1) * _SHORT_INDEX[c] for i, c in enumerate(body))
    return SHORT_ALPHABET[total % len(SHORT_ALPHABET)]


def new_short_code(length: int = 6) -> str:
    """`length` random symbols and one check character (6+1: about 887 million codes)."""
    body = "".join(secrets.choice(SHORT_ALPHABET) for _ in range(length))
    return body + _check_char(body)


def normalise_short_code(text: str) -> str | None:
    """What a person typed → the canonical code, or None when it cannot be one of ours.
    Case, spaces and dashes are ignored; the check character must match."""
    code = re.sub(r"[\s\-_.]", "", text).upper()
    if not 3 <= len(code) <= 30 or any(c not in _SHORT_INDEX for c in code):
        return None
    return code if _check_char(code[:-1]) == code[-1] else None


def format_short_code(code: str) -> str:
    """ABC2DEF → ABC-2DEF: groups of at most four are easier to read aloud and type."""
    head = len(code) % 4 or 4
    if len(code) <= 4:
        return code
    return "-".join([code[:head]] + [code[i:i + 4] for i in range(head, len(code), 4)])
