"""With FEEDBACK_REDIS_URL the rate-limit counts live in Redis, shared by every worker."""

from __future__ import annotations

import os
import socket
import uuid

import pytest
import redis

from feedback import create_app
from feedback.extensions import db

REDIS_URL = os.environ.get("FEEDBACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_login_limit_counts_in_redis(app) -> None:
    from feedback.extensions import limiter

    prefix = uuid.uuid4().hex  # each run gets its own keys in the shared Redis
    overrides = {**{k: app.config[k] for k in ("SECRET_KEY", "DATABASE_URL")},
                 "ENV": "testing", "REDIS_URL": REDIS_URL, "RATELIMIT_LOGIN": "2 per minute",
                 "RATELIMIT_KEY_PREFIX": prefix, "WTF_CSRF_ENABLED": False}
    store = redis.Redis.from_url(REDIS_URL)
    other = create_app(overrides)
    try:
        client = other.test_client()
        codes = [client.post("/login", data={"email": "a@b.vn", "password": "x"}).status_code
                 for _ in range(3)]
        keys = list(store.scan_iter(f"*{prefix}*"))
    finally:
        with other.app_context():
            db.engine.dispose()  # its pooled connections are not the suite's to leave open
        limiter.init_app(app)  # the extension object goes back to the suite's memory storage
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()
    assert codes == [200, 200, 429]
    assert keys, "the limiter did not write its counts to Redis"
