"""Security headers on every response: a strict CSP works because pages use no inline code."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def apply_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Survey URLs carry a counter token: never leak it to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.blueprint not in (None, "survey") or request.path.startswith("/staff"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: a `next` parameter must never
    send anyone to another host (`//evil.example` and `/\\evil.example` are read as hosts
    by browsers; control characters can hide either)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
