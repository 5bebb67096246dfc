"""Signing out ends every session of the account (the session version is bumped), so the
message says so: someone signing out at the office is not surprised at home."""

from __future__ import annotations


def test_logout_says_every_device_is_signed_out(client, world, login) -> None:
    login(world.leader)
    resp = client.post("/logout", follow_redirects=True)
    assert "Đã đăng xuất trên mọi thiết bị." in resp.get_data(as_text=True)
