"""Fixtures for the users pages and commands: an installation admin, and a real SMTP
server on loopback (aiosmtpd) for the mailed reset link."""

from __future__ import annotations






