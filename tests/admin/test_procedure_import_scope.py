"""`?unit=` on the procedure import pages names the list to go back to; a unit outside the
user's scope is a 404 there as everywhere (before: a 200 that echoed the foreign code)."""

from __future__ import annotations

import io

import pytest


@pytest.mark.parametrize("path", ["/staff/import/procedures?unit=xa-b1",
                                  "/staff/import/procedures?unit=tinh-b",
                                  "/staff/import/procedures?unit=khong-co"])
def test_a_foreign_or_unknown_unit_is_not_found(client, world, login, path: str) -> None:
    login(world.leader)
    assert client.get(path).status_code == 404
    upload = {"file": (io.BytesIO(b"unit_code,code,name\nxa-a1,P1,T\n"), "p.csv")}
    assert client.post(path, data=upload).status_code == 404


def test_the_own_unit_and_no_unit_still_work(client, world, login) -> None:
    login(world.leader)
    page = client.get("/staff/import/procedures?unit=xa-a1")
    assert page.status_code == 200
    assert "/staff/procedures?unit=xa-a1" in page.get_data(as_text=True)
    assert client.get("/staff/import/procedures").status_code == 200
