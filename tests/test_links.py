"""Signed counter tokens, dossier hashes, submission ids."""

from __future__ import annotations

import pytest

from feedback import links

SECRET = "s3cret"
TOKEN = links.CounterToken(key_version=1, counter_id=42, generation=3, questionnaire_id=2)


def test_round_trip_and_length() -> None:
    text = links.make_counter_token(SECRET, TOKEN)
    assert len(text) == links.TOKEN_LENGTH == 22
    assert links.read_counter_token(SECRET, text) == TOKEN


def _flip(text: str, i: int) -> str:
    c = "B" if text[i] != "B" else "C"
    return text[:i] + c + text[i + 1:]


@pytest.mark.parametrize("position", range(22))
def test_any_changed_character_is_rejected(position: int) -> None:
    text = links.make_counter_token(SECRET, TOKEN)
    with pytest.raises(links.InvalidToken):
        links.read_counter_token(SECRET, _flip(text, position))


@pytest.mark.parametrize("bad", ["", "short", "x" * 22 + "y", "AAAAAAAAAAAAAAAAAAAA+/", "ô" * 22])
def test_malformed(bad: str) -> None:
    with pytest.raises(links.InvalidToken):
        links.read_counter_token(SECRET, bad)


def test_other_secret_and_retired_key_version() -> None:
    text = links.make_counter_token(SECRET, TOKEN)
    with pytest.raises(links.InvalidToken):
        links.read_counter_token("another", text)
    with pytest.raises(links.InvalidToken):
        links.read_counter_token(SECRET, text, min_key_version=2)
    v2 = links.make_counter_token(SECRET, links.CounterToken(2, 42, 3, 2))
    assert links.read_counter_token(SECRET, v2, min_key_version=2).key_version == 2


@pytest.mark.parametrize(("a", "b"), [("HS-001 23", "hs00123"), (" abc.1 ", "ABC1")])
def test_dossier_hash_ignores_case_spaces_dashes(a: str, b: str) -> None:
    assert links.dossier_hash(SECRET, a) == links.dossier_hash(SECRET, b)
    assert links.dossier_hash(SECRET, a) != links.dossier_hash("other", a)
    assert a.strip() not in links.dossier_hash(SECRET, a)


def test_submission_ids() -> None:
    a, b = links.new_submission_id(), links.new_submission_id()
    assert a != b and links.is_submission_id(a)
    assert not links.is_submission_id("z" * 32)
    assert not links.is_submission_id(a + "0")


def test_the_check_character_catches_every_typo_and_swap() -> None:
    """Every single wrong character and every swap of two different neighbours, for a
    few hundred codes: the alphabet's size (31) is prime, so none slips through."""
    from feedback.links import SHORT_ALPHABET, new_short_code, normalise_short_code

    for _ in range(300):
        code = new_short_code()
        assert normalise_short_code(code.lower()) == code
        for i, right in enumerate(code):
            for wrong in SHORT_ALPHABET.replace(right, ""):
                assert normalise_short_code(code[:i] + wrong + code[i + 1:]) is None
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                assert normalise_short_code(swapped) is None
