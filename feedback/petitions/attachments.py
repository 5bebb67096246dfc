"""Files a citizen attaches to a petition: checked by their content, stored outside
`static/` under a random name, never served publicly.

The name a phone sends says nothing about what a file is (a renamed program arrives as
`don.pdf`), so the first bytes decide: JPEG, PNG or PDF, nothing else. The original name is
kept only for display, cleaned, with the extension of what the file really is. The bytes
are written under ATTACHMENT_DIR as `<32 hex>.<ext>`; `file_path` hands the staff download
route a path only for a name of that shape, so no stored value can point elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

from feedback.msgid import N_
from feedback.petitions.rules import MAX_ATTACHMENTS
from feedback.petitions.services import StoredFile

#: (magic bytes at the start, content type, extension) of what may be attached.
KINDS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
_STORAGE_NAME = re.compile(r"\A[0-9a-f]{32}\.(?:jpg|png|pdf)\Z")
DISPLAY_NAME_MAX = 120
_CHUNK = 64 * 1024

MSG_TOO_MANY = N_("Chỉ gửi kèm được tối đa %(limit)s tệp.")
MSG_EMPTY = N_("Tệp «%(name)s» rỗng, xin chọn lại.")
MSG_TOO_BIG = N_("Tệp «%(name)s» lớn quá %(limit)s MB, xin chụp lại nhỏ hơn hoặc bớt trang.")
MSG_KIND = N_("Tệp «%(name)s» không phải ảnh JPEG, PNG hoặc tệp PDF.")


class Refused(ValueError):
    """An attachment (or their number) that cannot be accepted. `message` is a Vietnamese
    source string; `values` fill its placeholders once translated (see `text`)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        template = translate(self.message) if translate is not None else self.message
        return template % self.values if self.values else template


@dataclass(frozen=True)
class Incoming:
    """One uploaded file as the request gave it: the name the browser sent and a stream."""

    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks, its bytes in memory, not yet stored."""

    filename: str
    content_type: str
    extension: str
    data: bytes


def kind_of(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None when not allowed."""
    for magic, content_type, extension in KINDS:
        if head.startswith(magic):
            return content_type, extension
    return None


def display_name(raw: str, extension: str) -> str:
    """The sender's file name as staff will see it: no folders, no control or reserved
    characters, at most DISPLAY_NAME_MAX characters, ending in the extension of what the
    file really is (`ảnh.JPG` → `ảnh.jpg`, a PNG sent as `x.pdf` → `x.png`)."""
    name = unicodedata.normalize("NFC", re.split(r"[/\\]", raw or "")[-1])
    name = "".join(" " if unicodedata.category(c)[0] in "CZ" or c in '<>:"|?*' else c
                   for c in name)
    name = " ".join(name.split())
    stem, dot, ext = name.rpartition(".")
    if dot and ext.casefold() in {"jpg", "jpeg", "png", "pdf", "jpe"}:
        name = stem
    name = name.strip(" .")
    name = name[:DISPLAY_NAME_MAX - len(extension) - 1].rstrip(" .") or "tep-dinh-kem"
    return f"{name}.{extension}"


def _shown(raw: str) -> str:
    """The name to quote in a refusal: short and printable."""
    name = display_name(raw, "x")[:-2]
    return name if len(name) <= 40 else name[:39] + "…"


def check(incoming: Incoming, max_bytes: int) -> Checked:
    """One file, read at most `max_bytes` + 1 bytes: non-empty, not too big, and a JPEG,
    PNG or PDF by its content. Raises Refused."""
    data = bytearray()
    while len(data) <= max_bytes:
        chunk = incoming.stream.read(min(_CHUNK, max_bytes + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    if not data:
        raise Refused(MSG_EMPTY, name=_shown(incoming.filename))
    if len(data) > max_bytes:
        raise Refused(MSG_TOO_BIG, name=_shown(incoming.filename),
                      limit=megabytes(max_bytes))
    kind = kind_of(bytes(data[:8]))
    if kind is None:
        raise Refused(MSG_KIND, name=_shown(incoming.filename))
    content_type, extension = kind
    return Checked(display_name(incoming.filename, extension), content_type, extension,
                   bytes(data))


def megabytes(size: int) -> str:
    """A size cap as people read it: 5242880 → "5"."""
    value = size / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


def check_all(files: Iterable[Incoming], max_bytes: int) -> list[Checked]:
    """Every file the form sent (blank file inputs already left out), at most
    MAX_ATTACHMENTS of them. Raises Refused for the first problem."""
    files = list(files)
    if len(files) > MAX_ATTACHMENTS:
        raise Refused(MSG_TOO_MANY, limit=MAX_ATTACHMENTS)
    return [check(f, max_bytes) for f in files]


def _directory() -> Path:
    folder = Path(current_app.config["ATTACHMENT_DIR"])
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def store(checked: Checked) -> StoredFile:
    """Write one checked file under a fresh random name (never the sender's)."""
    folder = _directory()
    while True:
        storage_name = f"{secrets.token_hex(16)}.{checked.extension}"
        try:
            fd = os.open(folder / storage_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # pragma: no cover - 128 random bits
            continue
        break
    with os.fdopen(fd, "wb") as out:
        out.write(checked.data)
    return StoredFile(filename=checked.filename, content_type=checked.content_type,
                      size=len(checked.data), sha256=hashlib.sha256(checked.data).hexdigest(),
                      storage_name=storage_name)


def store_all(checked: Sequence[Checked]) -> list[StoredFile]:
    """Store every file, or none: a failure half way removes what was written."""
    stored: list[StoredFile] = []
    try:
        for item in checked:
            stored.append(store(item))
    except BaseException:
        discard(stored)
        raise
    return stored


def discard(stored: Iterable[StoredFile]) -> None:
    """Remove files written for a petition that was not filed (a failure, or a double tap
    whose first tap was filed already)."""
    for item in stored:
        try:
            file_path(item.storage_name).unlink(missing_ok=True)
        except (LookupError, OSError):
            continue


def is_storage_name(name: str) -> bool:
    return bool(_STORAGE_NAME.match(name))


def file_path(storage_name: str) -> Path:
    """Where a stored attachment's bytes are, for the staff download route (which checks
    the petition's unit scope first, and sends the file as a download with its
    content type, never inline from a public URL). Raises LookupError for anything but
    a name this module generated, so a stored value can never reach another file."""
    if not is_storage_name(storage_name):
        raise LookupError(storage_name)
    return Path(current_app.config["ATTACHMENT_DIR"]) / storage_name
