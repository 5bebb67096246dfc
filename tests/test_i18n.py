"""English beside Vietnamese: locale choice, the language switch, Babel formats, catalogues."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from feedback import i18n

ROOT = Path(__file__).resolve().parent.parent
PO = i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
SWITCH_EN = "/ngon-ngu/en?next=/"


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue() -> None:
    """`make test` compiles the catalogue; a bare `pytest` after a .po edit does it here."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as src:
            catalog = read_po(src)
        with MO.open("wb") as out:
            write_mo(out, catalog)


def english(client) -> None:
    resp = client.get(SWITCH_EN)
    assert resp.status_code == 303


def html_lang(resp) -> str:
    match = re.search(r'<html lang="(\w+)">', resp.get_data(as_text=True))
    assert match, "page without <html lang>"
    return match.group(1)


# --- Locale choice and the switch -----------------------------------------------------------

def test_public_pages_default_to_vietnamese_whatever_the_browser_says(
        client, world, token_for) -> None:
    resp = client.get(f"/q/{token_for(world.counter)}",
                      headers={"Accept-Language": "en-US,en;q=0.9"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html_lang(resp) == "vi"
    assert "Gửi đánh giá" in page and "Send rating" not in page
    assert 'hreflang="en"' in page and ">English</a>" in page


def test_switch_sets_a_lasting_cookie_and_the_next_page_is_english(
        client, world, token_for) -> None:
    url = f"/q/{token_for(world.counter)}"
    resp = client.get(f"/ngon-ngu/en?next={url}")
    assert resp.status_code == 303 and resp.headers["Location"] == url
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie

    page = client.get(url)
    text = page.get_data(as_text=True)
    assert html_lang(page) == "en"
    assert "Send rating" in text and "Gửi đánh giá" not in text
    assert "Quick satisfaction rating" in text  # the questionnaire title, from its TOML
    assert "The office has clear, visible signs and directions" in text  # SIPAS item TC2
    assert ">Very satisfied</label>" in text  # SAT5 scale label
    assert ">Tiếng Việt</a>" in text and 'hreflang="vi"' in text

    back = client.get(f"/ngon-ngu/vi?next={url}")
    assert back.headers["Set-Cookie"].startswith("lang=vi;")
    assert html_lang(client.get(url)) == "vi"


@pytest.mark.parametrize("target", [
    "https://evil.example/x", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "evil.example", "/%0d%0aSet-Cookie:x=1", "", "/\x00x",
])
def test_switch_never_redirects_off_site(client, target) -> None:
    resp = client.get("/ngon-ngu/en", query_string={"next": target})
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location or location.startswith("/%")


def test_switch_keeps_a_local_next_with_its_query(client) -> None:
    resp = client.get("/ngon-ngu/en", query_string={"next": "/staff/dashboard?unit=xa-a1"})
    assert resp.headers["Location"] == "/staff/dashboard?unit=xa-a1"


def test_unknown_language_changes_nothing(client) -> None:
    resp = client.get("/ngon-ngu/fr?next=/")
    assert resp.status_code == 303 and "Set-Cookie" not in resp.headers
    client.set_cookie("lang", "fr")
    assert html_lang(client.get("/no-such-page")) == "vi"


def test_error_pages_follow_the_language(client) -> None:
    english(client)
    resp = client.get("/no-such-page")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 404 and html_lang(resp) == "en"
    assert "Page not found" in text and "Error code 404" in text


def test_staff_pages_in_english(client, world, login) -> None:
    login(world.leader)
    english(client)
    resp = client.get("/staff/dashboard")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html_lang(resp) == "en"
    assert ">Overview</a>" in text and "Sign out" in text and "Leader" in text
    assert "Đăng xuất" not in text
    paper = client.get(f"/staff/paper?counter={world.counter.id}").get_data(as_text=True)
    assert "Enter a paper survey form" in paper and "Save form" in paper
    assert "Civil servants are polite and respectful" in paper


def test_dashboard_percent_uses_the_locale_decimal_separator(
        client, world, login, submit) -> None:
    for value in (5, 5, 4, 2):  # 3 of 4 satisfied on every item → 75.00
        assert submit(world.counter, {"TC2": value, "CC1": value}).status_code == 303
    login(world.leader)
    vi = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'data-figure="service">75,00%' in vi
    english(client)
    en = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'data-figure="service">75.00%' in en


def test_blank_page_cache_never_serves_the_other_language(app, client, world, token_for) -> None:
    url = f"/q/{token_for(world.counter)}"
    app.config["PAGE_CACHE_SECONDS"] = 60
    app.extensions.pop("feedback.blank_pages", None)
    try:
        assert html_lang(client.get(url)) == "vi"  # cached in Vietnamese first
        english(client)
        en = client.get(url)
        assert html_lang(en) == "en" and "Send rating" in en.get_data(as_text=True)
        client.get("/ngon-ngu/vi?next=/")
        vi = client.get(url)
        assert html_lang(vi) == "vi" and "Gửi đánh giá" in vi.get_data(as_text=True)
        assert {lang for _token, lang in app.extensions["feedback.blank_pages"]} == {"vi", "en"}
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        app.extensions.pop("feedback.blank_pages", None)


# --- Formats ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "pct", "pct2", "count", "when"), [
    ("vi", "85,9%", "2,67%", "12.345", "30/11/2026 14:05"),
    ("en", "85.9%", "2.67%", "12,345", "30 Nov 2026, 14:05"),
])
def test_numbers_and_dates_per_locale(app, lang, pct, pct2, count, when) -> None:
    from feedback.display import local_time, number, percent

    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        assert percent(85.94) == pct
        assert percent(2.675, 2) == pct2  # rounds like the figure it shows, not 2.68
        assert percent(None) == "—"
        assert number(12345) == count
        # 07:05 UTC is 14:05 in Asia/Ho_Chi_Minh.
        assert local_time(datetime(2026, 11, 30, 7, 5, tzinfo=UTC)) == when
        assert local_time(None) == ""


def test_words_translate_when_read_and_the_cli_keeps_vietnamese(app) -> None:
    from feedback.display import ROLE_WORDS, STATUS_WORDS

    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert STATUS_WORDS["below"] == "Not met" and ROLE_WORDS["officer"] == "One-stop officer"
        assert STATUS_WORDS["info"] == ""  # never the catalogue header
    with app.app_context():  # no request: the CLI's view
        assert STATUS_WORDS["below"] == "Chưa đạt"


# --- Catalogues ------------------------------------------------------------------------------

def _catalogue():
    with PO.open("rb") as fh:
        return read_po(fh)


def _texts(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's id or translation as a tuple: plural messages have several forms."""
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_an_english_translation() -> None:
    catalog = _catalogue()
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    untranslated = [m.id for m in catalog
                    if m.id and (m.fuzzy or not all(_texts(m.string)))]
    assert untranslated == [], "translate these in messages.po, then `make translations`"


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = [m.id for m in _catalogue() if m.id
             for text in _texts(m.string) if text
             and set(placeholder.findall(_texts(m.id)[0])) != set(placeholder.findall(text))]
    assert wrong == []


def _scanned(path: str) -> bool:
    """Like `make messages`: skip hidden folders and caches, but not `_partials`."""
    name = Path(path).name
    return not (name.startswith(".") or name == "__pycache__")


def test_catalogue_holds_every_string_in_the_code() -> None:
    """A new `_()` string without `make messages` would show Vietnamese on English pages."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}  # as `make messages` extracts
    found = {msg if isinstance(msg, str) else msg[0]
             for _file, _line, msg, _comments, _ctx in extract_from_dir(
                 str(ROOT), method_map, options_map, keywords=keywords,
                 directory_filter=_scanned)}
    known = {_texts(m.id)[0] for m in _catalogue() if m.id}
    assert sorted(found - known) == [], "run `make messages` and translate the new entries"


def test_translate_filter_escapes_and_never_formats(app) -> None:
    """Labels and error messages held in variables go through `|translate`, not `_()`,
    which would mark them safe and read a "%" as a placeholder."""
    template = app.jinja_env.from_string("{{ x|translate }}")
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert template.render(x="<b>100% đúng</b>") == "&lt;b&gt;100% đúng&lt;/b&gt;"
        assert template.render(x="Hài lòng") == "Satisfied"
        assert template.render(x=None) == ""
