"""The periodic report in the browser: preview, downloads, a report marked as sent (kept
byte for byte with its SHA-256, compared with late data), when a report is due, and the
reminder `feedback sla tick` mails with the draft attached."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select
from tests_support import pdf_text

from feedback.extensions import db
from feedback.models import (
    IssuedReport,
    IssuedReportFile,
    MailAttachment,
    MailMessage,
    ReportSchedule,
)
from feedback.models.append_only import AppendOnlyError
from feedback.reports import cells, issued, report_files
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _last_month() -> tuple[date, date]:
    last = cells.month_start(datetime.now(TZ).date()) - timedelta(days=1)
    return cells.month_start(last), last


@pytest.fixture
def month(app, world):
    """Last month at the commune: ten responses and a petition."""
    first, last = _last_month()
    items = catalogue.current("full").items
    with app.app_context():
        for i in range(10):
            record(NewResponse(f"{i:032x}", world.full_counter.id, world.commune.id,
                               catalogue.current("full"),
                               {item: 4 + i % 2 for item in items},
                               answered_at=datetime.combine(first + timedelta(days=i),
                                                            time(9), tzinfo=TZ)
                               .astimezone(UTC)))
    return first, last


def _query(world, first: date) -> str:
    return f"unit={world.commune.code}&kind=monthly&period={first:%Y-%m}"


def test_the_preview_shows_the_apis_figures_with_the_charts_and_downloads(
        client, login, world, month) -> None:
    first, last = month
    login(world.viewer)
    page = client.get(f"/staff/reports/?{_query(world, first)}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    api = client.get(f"/api/v1/satisfaction?unit={world.commune.code}&from={first}"
                     f"&to={last}").get_json()
    service = api["service"]["value"]
    assert f"{service:.2f}".replace(".", ",") + "%" in html
    assert "Chỉ số hài lòng về cung ứng dịch vụ hành chính công" in html
    for name in ("trend", "elements", "outcomes", "on_time"):
        assert f"/staff/reports/charts/{name}.png?" in html
        chart = client.get(f"/staff/reports/charts/{name}.png?{_query(world, first)}")
        assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG"), name
    for fmt in ("pdf", "docx", "xlsx"):
        assert f"/staff/reports/report.{fmt}?" in html
    # A viewer previews and downloads, but does not mark a report as sent.
    assert "/staff/reports/issue" not in html

    xlsx = client.get(f"/staff/reports/report.xlsx?{_query(world, first)}")
    assert xlsx.status_code == 200
    assert f'bao-cao-thang-{world.commune.code}-{first:%Y-%m}.xlsx' in \
        xlsx.headers["Content-Disposition"]
    summary = {r[0]: r[1] for r in load_workbook(io.BytesIO(xlsx.data))["Tổng hợp"]
               .iter_rows(values_only=True) if r[0]}
    assert summary["Số phiếu"] == api["responses"] == 10
    docx = client.get(f"/staff/reports/report.docx?{_query(world, first)}")
    text = " ".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "BÁO CÁO" in text
    assert len(Document(io.BytesIO(docx.data)).inline_shapes) == 4  # the four charts
    pdf = client.get(f"/staff/reports/report.pdf?{_query(world, first)}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize(("query", "status", "words"), [
    ("kind=monthly&period=2026-13", 400, "2026-10"),
    ("kind=quarterly&period=2026-10", 400, "2026-Q3"),
    ("kind=monthly&period=<script>", 400, "2026-10"),
    ("kind=monthly&period=1999-01", 400, "2000"),
])
def test_a_bad_period_says_how_to_write_it(client, login, world, query, status,
                                           words) -> None:
    login(world.viewer)
    page = client.get(f"/staff/reports/?unit={world.commune.code}&{query}")
    assert page.status_code == 200 and words in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)
    download = client.get(f"/staff/reports/report.pdf?unit={world.commune.code}&{query}")
    assert download.status_code == status
    assert words in download.get_data(as_text=True)
    assert client.get(f"/staff/reports/report.odt?unit={world.commune.code}").status_code \
        == 404
    assert client.get(f"/staff/reports/charts/pie.png?unit={world.commune.code}"
                      ).status_code == 404


def test_a_sent_report_is_kept_byte_for_byte_and_late_data_show_as_changes(
        app, client, login, world, month, petition) -> None:
    first, _last = month
    login(world.leader)
    page = client.get(f"/staff/reports/?{_query(world, first)}").get_data(as_text=True)
    assert "/staff/reports/issue" in page and "Bản đã gửi" not in page
    sent = client.post(f"/staff/reports/issue?{_query(world, first)}")
    assert sent.status_code == 303
    with app.app_context():
        report = db.session.scalars(select(IssuedReport)).one()
        files = {f.format: (f.sha256, f.content) for f in report.files}
        report_id = report.id
    assert set(files) == {"pdf", "docx", "xlsx"}
    for sha, content in files.values():
        assert hashlib.sha256(content).hexdigest() == sha
    stored = client.get(f"/staff/reports/issued/{report_id}.pdf")
    assert stored.data == files["pdf"][1]
    assert stored.headers["X-Content-SHA256"] == files["pdf"][0]
    page = client.get(f"/staff/reports/?{_query(world, first)}").get_data(as_text=True)
    assert files["xlsx"][0] in page and 'data-changes="0"' in page

    # A petition received last month, entered only now: the sent files stay as they were,
    # and the page names the figures that moved.
    petition(world.commune, channel="paper",
             received_at=datetime.combine(first, time(10), tzinfo=TZ))
    page = client.get(f"/staff/reports/?{_query(world, first)}").get_data(as_text=True)
    assert 'data-changes="0"' not in page
    assert "Phản ánh, kiến nghị › Tiếp nhận trong kỳ" in page
    assert client.get(f"/staff/reports/issued/{report_id}.pdf").data == files["pdf"][1]

    # Sending again is a second revision; the first is never rewritten.
    assert client.post(f"/staff/reports/issue?{_query(world, first)}").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.max(IssuedReport.revision))) == 2
        first_file = db.session.scalars(select(IssuedReportFile).where(
            IssuedReportFile.report_id == report_id)).first()
        assert first_file is not None
        first_file.sha256 = "0" * 64
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()


def test_only_leaders_and_admins_in_scope_mark_a_report_as_sent(client, login, world,
                                                                 app) -> None:
    first, _last = _last_month()
    login(world.viewer)
    assert client.post(f"/staff/reports/issue?{_query(world, first)}").status_code == 403
    login(world.stranger_leader)
    assert client.post(f"/staff/reports/issue?{_query(world, first)}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedReport)) == 0


def test_a_unit_sets_when_its_report_is_due(app, client, login, world) -> None:
    login(world.leader)
    url = f"/staff/reports/schedule?unit={world.commune.code}"
    for bad in ({"kind": "quarterly", "due_day": "32", "month_offset": "0"},
                {"kind": "weekly", "due_day": "20", "month_offset": "0"},
                {"kind": "quarterly", "due_day": "", "month_offset": "0"},
                {"kind": "quarterly", "due_day": "20", "month_offset": "5"}):
        page = client.post(url, data=bad)
        assert page.status_code == 422, bad
        assert 'role="alert"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReportSchedule, world.commune.id) is None
    saved = client.post(url, data={"kind": "quarterly", "due_day": "20",
                                   "month_offset": "0"})
    assert saved.status_code == 303
    page = client.get(f"/staff/reports/?unit={world.commune.code}").get_data(as_text=True)
    assert "đến hạn ngày 20/" in page
    login(world.viewer)
    assert client.get(url).status_code == 403


def _schedule(app, world, due: date) -> None:
    with app.app_context():
        db.session.add(ReportSchedule(unit_id=world.commune.id, kind="monthly",
                                      due_day=due.day, month_offset=1))
        db.session.commit()


def test_the_tick_mails_the_leaders_the_draft_before_the_due_date_once(
        app, world, month, smtp, monkeypatch) -> None:
    first, last = month
    due = last + timedelta(days=10)  # the 10th of this month
    _schedule(app, world, due)
    with app.app_context():
        early = datetime.combine(due - timedelta(days=9), time(8), tzinfo=TZ)
        assert issued.remind(now=early) == 0  # more than 3 working days before
        # The working day before the due date (a weekend before it is skipped).
        before = due - timedelta(days=1)
        while before.weekday() >= 5:
            before -= timedelta(days=1)
        now = datetime.combine(before, time(8), tzinfo=TZ)
        assert issued.remind(now=now) == 1  # the commune's leader
        # Once, and the next ticks do not even build the draft again.
        monkeypatch.setattr(report_files, "draft", lambda *a, **k: pytest.fail("rebuilt"))
        assert issued.remind(now=now) == 0
        monkeypatch.undo()
        message = db.session.scalars(select(MailMessage)).one()
        assert message.recipient == world.leader.email
        assert f"{first:%Y-%m}" in message.subject
        names = set(db.session.scalars(select(MailAttachment.filename)))
        assert names == {f"bao-cao-thang-{world.commune.code}-{first:%Y-%m}.{fmt}"
                         for fmt in ("pdf", "docx")}
        from feedback import mail

        assert mail.deliver_pending() == 1
    raw = smtp.messages[0][1]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    attached = {part.get_filename(): part.get_content() for part in parsed.iter_attachments()}
    pdf = attached[f"bao-cao-thang-{world.commune.code}-{first:%Y-%m}.pdf"]
    assert pdf.startswith(b"%PDF")


def test_no_reminder_once_the_report_is_sent(app, client, login, world, month) -> None:
    first, last = month
    due = last + timedelta(days=10)
    _schedule(app, world, due)
    login(world.leader)
    assert client.post(f"/staff/reports/issue?{_query(world, first)}").status_code == 303
    with app.app_context():
        now = datetime.combine(due, time(8), tzinfo=TZ)
        assert issued.remind(now=now) == 0
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_changes_name_each_figure_that_moved() -> None:
    from feedback.reports.periodic import Change, changes

    before = {"petitions": {"received": 3, "late_items": [{"code": "AB12", "days_late": 1}]},
              "satisfaction": {"elements": [{"code": "TC", "value": 91.0, "n": 30}]}}
    after = {"petitions": {"received": 4, "late_items": [{"code": "AB12", "days_late": 2},
                                                         {"code": "CD34", "days_late": 1}]},
             "satisfaction": {"elements": [{"code": "TC", "value": 91.0, "n": 30}]}}
    assert changes(before, before) == []
    assert changes(before, after) == [
        Change("petitions › received", 3, 4),
        Change("petitions › late_items › AB12 › days_late", 1, 2),
        Change("petitions › late_items › CD34 › days_late", None, 1),
    ]


def test_the_english_report_comes_from_the_same_code(app, client, login, runner, world,
                                                      month, tmp_path) -> None:
    """A reader of the English pages downloads an English PDF and DOCX with the same
    figures in English number format; the workbook stays Vietnamese (the province's data
    format), and so does the report as sent."""
    first, last = month
    login(world.viewer)
    client.set_cookie("lang", "en")
    api = client.get(f"/api/v1/satisfaction?unit={world.commune.code}&from={first}"
                     f"&to={last}").get_json()
    pdf = client.get(f"/staff/reports/report.pdf?{_query(world, first)}")
    assert "-en.pdf" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    for words in ("SOCIALIST REPUBLIC OF VIETNAM", "REPORT", "I. Satisfaction",
                  "II. Petitions", "Recipients:", "HEAD OF THE UNIT",
                  f"{api['service']['value']:.2f}%"):
        assert words in text, words
    assert "Chỉ số hài lòng" not in text
    page = client.get(f"/staff/reports/?{_query(world, first)}").get_data(as_text=True)
    assert "I. Satisfaction" in page and 'lang="en"' in page
    xlsx = client.get(f"/staff/reports/report.xlsx?{_query(world, first)}")
    assert "Tổng hợp" in load_workbook(io.BytesIO(xlsx.data)).sheetnames

    out = tmp_path / "en.docx"
    result = runner.invoke(args=["report", "monthly", "--unit", world.commune.code,
                                 "--period", f"{first:%Y-%m}", "--lang", "en",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "REPORT" in [p.text for p in Document(str(out)).paragraphs]


def test_comments_are_quoted_and_never_run_as_formulas(app, client, login, world) -> None:
    first, _last = _last_month()
    with app.app_context():
        record(NewResponse("c" * 32, world.full_counter.id, world.commune.id,
                           catalogue.current("full"), {"TC1": 5},
                           comment="=HYPERLINK(\"http://x\",\"bấm\") cán bộ rất tận tình",
                           answered_at=datetime.combine(first, time(9), tzinfo=TZ)
                           .astimezone(UTC)))
    login(world.viewer)
    book = load_workbook(io.BytesIO(client.get(
        f"/staff/reports/report.xlsx?{_query(world, first)}").data))
    cells = [c.value for row in book["Ý kiến"].iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\",\"bấm\") cán bộ rất tận tình" in cells
    text = pdf_text(client.get(f"/staff/reports/report.pdf?{_query(world, first)}").data)
    assert "cán bộ rất tận tình" in text
    # A commune has no units below: its sections run I to V without a gap.
    headings = re.findall(r"\b([IVX]+)\. (?:Mức độ hài lòng|Phản ánh, kiến nghị \(|Hồ sơ thủ "
                          r"tục|So sánh|Các đơn vị trực thuộc|Ý kiến của người dân)", text)
    assert headings == ["I", "II", "III", "IV", "V"], headings
    assert "V. Ý kiến của người dân" in text


def test_one_read_of_petitions_counts_as_each_period_and_unit_alone(
        app, world, petition) -> None:
    """The report reads petitions once for its period, the three compared, the twelve
    months and each unit below; each count equals figures_for of that period and unit."""
    from feedback.models import Unit
    from feedback.petitions.stats import figures_for
    from feedback.reports import periodic
    from feedback.reports.periods import report_period

    first, _last = _last_month()
    for i, unit in enumerate((world.commune, world.sibling, world.commune)):
        petition(unit, received_at=datetime.combine(first - timedelta(days=40 * i), time(10),
                                                    tzinfo=TZ))
    with app.app_context():
        province = db.session.get(Unit, world.province.id)
        period = report_period("monthly", f"{first:%Y-%m}")
        report = periodic.build(province, "monthly", period)
        assert report.petitions == figures_for(province, period).as_dict()
        for c in report.compared:
            alone = figures_for(province, c.period)
            assert (c.on_time_rate, c.on_time_counted) == (alone.on_time_rate,
                                                           alone.satisfaction_counted)
        for month, rate, counted in report.on_time_trend:
            alone = figures_for(province, month)
            assert (rate, counted) == (alone.on_time_rate, alone.satisfaction_counted)
        assert len(report.on_time_trend) == 12
        for child in report.children:
            unit = db.session.scalars(select(Unit).where(Unit.code == child.code)).one()
            alone = figures_for(unit, period)
            assert (child.on_time_rate, child.on_time_counted, child.meets_on_time) == (
                alone.on_time_rate, alone.satisfaction_counted, alone.meets_target)
        assert {c.code for c in report.children} == {world.commune.code, world.sibling.code}
        assert sum(f.population for f in [figures_for(province, m) for m, _r, _n
                                           in report.on_time_trend]) >= 3


def test_a_double_tap_stores_one_revision_and_a_race_takes_the_next(
        app, client, login, world, month, monkeypatch) -> None:
    first, _last = month
    login(world.leader)
    for _ in range(2):  # the same click twice: one revision
        assert client.post(f"/staff/reports/issue?{_query(world, first)}").status_code == 303
    with app.app_context():
        assert [r.revision for r in db.session.scalars(select(IssuedReport))] == [1]
    # Another leader's revision lands between this one's read and its insert: the unique
    # revision refuses it, and it is stored as the next one (never a 500).
    real, calls = issued.issued_for, []

    def stale_once(*args):
        calls.append(args)
        return [] if len(calls) == 1 else real(*args)

    monkeypatch.setattr(issued, "issued_for", stale_once)
    monkeypatch.setattr(issued, "SAME_CLICK", timedelta(0))
    assert client.post(f"/staff/reports/issue?{_query(world, first)}").status_code == 303
    assert len(calls) == 2  # the refused insert, then the next revision
    with app.app_context():
        assert sorted(r.revision for r in db.session.scalars(select(IssuedReport))) == [1, 2]


def test_the_dashboard_lists_the_first_late_petitions_and_says_how_many(
        client, login, world, petition, monkeypatch) -> None:
    """A province's year has thousands of late petitions: the page lists the first
    (MAX_LISTED) and says where the rest are."""
    from feedback.reports import report_sections

    first, last = _last_month()
    for day in (1, 2):
        petition(world.commune, received_at=datetime.combine(
            first.replace(day=day), time(10), tzinfo=TZ))
    monkeypatch.setattr(report_sections, "MAX_LISTED", 1)
    login(world.viewer)
    page = client.get(f"/staff/dashboard?unit={world.province.code}&from={first}"
                      f"&to={last}").get_data(as_text=True)
    late = page[page.index('id="pakn-late"'):]
    assert late.count('href="/staff/petitions/') == 1
    assert "Hiện 1 trên 2 phản ánh, kiến nghị trễ hạn hoặc quá hạn" in late
