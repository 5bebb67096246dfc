"""Fixtures for the users pages and commands: an installation admin, and a real SMTP
server on loopback (aiosmtpd) for the mailed reset link."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from tests_support import PASSWORD

from feedback.extensions import db
from feedback.models import User


@pytest.fixture
def install_admin(app: Flask, world) -> User:
    """An admin with no unit: sees and manages every unit and account."""
    from feedback.auth.services import hash_password

    with app.app_context():
        user = User(email="root@x.vn", role="admin", unit=None,
                    password_hash=hash_password(PASSWORD))
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


class Inbox:
    """Keeps what the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(app: Flask) -> Iterator[Inbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()
