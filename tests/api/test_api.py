"""API authentication and errors."""

from __future__ import annotations

import pytest


def test_bearer_token_from_the_cli(runner, client, world) -> None:
    result = runner.invoke(args=["tokens", "create", "--email", world.viewer.email])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("fbk_")
    resp = client.get(f"/api/v1/satisfaction?unit={world.commune.code}",
                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert resp.get_json()["unit"]["code"] == world.commune.code
    # The token is scoped like its user, and never works on HTML pages.
    assert client.get(f"/api/v1/satisfaction?unit={world.stranger.code}",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.get("/staff/dashboard",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 302
    revoked = runner.invoke(args=["tokens", "revoke", "--email", world.viewer.email])
    assert revoked.exit_code == 0 and "Revoked 1 token(s)" in revoked.output
    assert client.get(f"/api/v1/satisfaction?unit={world.commune.code}",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ", ""])
def test_bad_credentials_are_401_json(client, world, header: str) -> None:
    resp = client.get(f"/api/v1/satisfaction?unit={world.commune.code}",
                      headers={"Authorization": header} if header else {})
    assert resp.status_code == 401
    assert resp.is_json


@pytest.mark.parametrize(("query", "status"), [
    ("", 400), ("unit=xa-a1&from=bad", 400), ("unit=xa-a1&from=2026-02-01&to=2026-01-01", 400),
    ("unit=nope", 404), ("unit=xa-a1&from=2026-01-01&to=2026-01-31", 200),
])
def test_parameters(client, world, login, query: str, status: int) -> None:
    login(world.leader)
    resp = client.get(f"/api/v1/satisfaction?{query}")
    assert resp.status_code == status
    assert resp.is_json
