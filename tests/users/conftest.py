"""Fixtures for the users pages and commands: an installation admin, and a real SMTP
server on loopback (aiosmtpd) for the mailed reset link."""

from __future__ import annotations

import pytest
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


