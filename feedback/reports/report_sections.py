"""What the periodic report says, section by section, as text and tables: the PDF and
the DOCX lay out the same sections, so they cannot disagree (the workbook holds the same
figures as numbers). Words, numbers and dates are written in the current locale through
Flask-Babel: "88,98%" and "1.045" in Vietnamese, "88.98%" and "1,045" in English (callers
choose it with `force_locale`; the report sent to the province is Vietnamese)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _

from feedback import sipas
from feedback.msgid import N_
from feedback.petitions import rules
from feedback.reports.periodic import Report, Words
from feedback.reports.periods import DATE_PATTERNS, DATETIME_PATTERNS, Period
from feedback.reports.report_xlsx import (
    COMPARED,
    DOSSIER_HEADER,
    DOSSIER_QD766,
    DOSSIER_TOTAL,
    KINDS,
    NO_DOSSIERS,
    PETITION_ROWS,
    procedure_label,
)

Align = Literal["LEFT", "RIGHT", "CENTER"]


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    #: Relative widths (millimetres on the PDF's 165 mm line) and each column's alignment.
    widths: Sequence[float]
    align: Sequence[Align]
    #: A line above the table saying what it lists.
    caption: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    lead: str = ""
    tables: list[Table] = field(default_factory=list)
    #: The charts (periodic.CHARTS names) that go after this section's first table.
    charts: tuple[str, ...] = ()


def pct(value: float | None) -> str:
    return "—" if value is None else format_decimal(round(value, 2), format="0.00") + "%"


def num(value: int | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in DATE_PATTERNS else "vi"


def day(value: date | str) -> str:
    """A date (or its ISO text) in the document's language."""
    return format_date(date.fromisoformat(value) if isinstance(value, str) else value,
                       DATE_PATTERNS[_language()])


def dates(period: Period) -> str:
    return f"{day(period.first)} – {day(period.last)}"


def moment(value: datetime) -> str:
    """A date and time of day in the document's language: an aware instant in the
    office's zone (FEEDBACK_TIMEZONE), a naive one as it stands (already local)."""
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return format_datetime(value, DATETIME_PATTERNS[_language()], rebase=False)


def period_words(report: Report) -> str:
    first = report.period.first
    if report.kind == "monthly":
        return _("tháng %(month)d năm %(year)d", month=first.month, year=first.year)
    if report.kind == "quarterly":
        return _("quý %(quarter)d năm %(year)d", quarter=(first.month - 1) // 3 + 1,
                 year=first.year)
    return _("năm %(year)d", year=first.year)


def title(report: Report) -> tuple[str, str]:
    """The title's second line and the line under it."""
    return (_("Kết quả đo lường sự hài lòng và giải quyết phản ánh, kiến nghị %(period)s",
              period=period_words(report)),
            _("(%(kind)s, từ %(dates)s)", kind=_(KINDS[report.kind]),
              dates=dates(report.period)))


def generated(report: Report) -> str:
    return _("Lập tự động lúc %(time)s từ hệ thống Góp ý", time=moment(report.generated_at))


def more(shown: int, total: int) -> str:
    """What a list cut at MAX_LISTED says after its caption."""
    return _(" (%(shown)s trên %(total)s; đủ danh sách trong tệp Excel)", shown=num(shown),
             total=num(total)) if total > shown else ""


def _figures(rows: Sequence[dict[str, Any]], status: Mapping[str, str]) -> list[list[str]]:
    return [[f["code"], _(f["label"]), pct(f["value"]), num(f["n"]),
             "" if not f["ci95"] else f"{pct(f['ci95'][0])} – {pct(f['ci95'][1])}",
             status[f["status"]]] for f in rows]


#: Long lists (late petitions, counters) stop here in the documents; the workbook has all.
MAX_LISTED = 100


def _distribution(counts: Mapping[str, int]) -> Table:
    total = sum(counts.values())
    return Table([_("Mức"), _("Ý nghĩa"), _("Số câu trả lời"), _("Tỷ lệ")],
                 [[k, _(sipas.SAT5[int(k)]), num(v), pct(100 * v / total if total else None)]
                  for k, v in sorted(counts.items())],
                 (15, 75, 40, 35), ("CENTER", "LEFT", "RIGHT", "RIGHT"),
                 caption=_("Phân bố câu trả lời (thang 5 mức)"))


def _counters(rows: Sequence[dict[str, Any]], status: Mapping[str, str]) -> list[Table]:
    if not rows:
        return []
    shown = rows[:MAX_LISTED]
    return [Table([_("Quầy"), _("Số phiếu"), _("Chỉ số hài lòng"), "n", _("So với mục tiêu")],
                  [[g["name"], num(g["responses"]), pct(g["value"]), num(g["n"]),
                    status[g["status"]]] for g in shown],
                  (60, 22, 30, 15, 38), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
                  caption=_("Theo quầy") + more(len(shown), len(rows)))]


def _category(key: str) -> str:
    return _(rules.CATEGORIES[int(key)]) if key.isdigit() and int(key) in rules.CATEGORIES \
        else _("Chưa phân loại")


def _dossiers(d: Mapping[str, Any]) -> Section:
    """The imported TTHC dossiers due in the period, per procedure, against 100% on time;
    one sentence instead of an empty table when none was imported for the period."""
    title = _("III. Hồ sơ thủ tục hành chính (mục tiêu %(target)s%% đúng hạn)",
              target=f"{d.get('target', 100):g}")
    t = d.get("totals")
    if not t or not (t["received"] or t["due"]):
        return Section(title, lead=_(NO_DOSSIERS))
    matched = d["responses"]
    lead = _("Hồ sơ đến hạn trả trong kỳ: %(due)s; đã trả đúng hạn %(on_time)s, trả trễ hạn "
             "%(late)s, quá hạn chưa trả %(overdue)s", due=num(t["due"]),
             on_time=num(t["on_time"]), late=num(t["late"]), overdue=num(t["open_overdue"]))
    if t["open_in_time"]:
        lead += _(", chưa đến hạn %(n)s", n=num(t["open_in_time"]))
    lead += _(". %(qd766)s: %(ratio)s. Tỷ lệ trả đúng hạn trên số hồ sơ đã trả: %(rate)s. "
              "Tiếp nhận trong kỳ: %(received)s hồ sơ.", qd766=_(DOSSIER_QD766),
              ratio=pct(t["qd766_ratio"]), rate=pct(t["on_time_rate"]),
              received=num(t["received"]))
    if matched["with_code"]:
        lead += _(" %(matched)s trên %(with_code)s phiếu đánh giá có ghi mã hồ sơ khớp với hồ "
                  "sơ đã nhập; tỷ lệ hài lòng của các phiếu này: %(percent)s.",
                  matched=num(matched["matched"]), with_code=num(matched["with_code"]),
                  percent=pct(matched["percent"]))
    rows = d["procedures"]
    shown = rows[:MAX_LISTED]
    return Section(title, lead=lead, tables=[Table(
        [_(h) for h in DOSSIER_HEADER],
        [[procedure_label(r), num(r["received"]), num(r["due"]), num(r["on_time"]),
          num(r["late"]), num(r["open_overdue"]), pct(r["on_time_rate"]),
          pct(r["qd766_ratio"])] for r in [*shown, t | {"name": _(DOSSIER_TOTAL)}]],
        (45, 16, 16, 16, 16, 18, 19, 19),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        caption=_("Theo thủ tục") + more(len(shown), len(rows)))])


def sections(report: Report, words: Words) -> list[Section]:
    s, p, status = report.satisfaction, report.petitions, words.status
    service = s["service"]
    channels = ", ".join(f"{words.channels.get(k, k).lower()}: {num(v)}"
                         for k, v in sorted(s["by_channel"].items()))
    channels = f" ({channels})" if channels else ""
    out = [Section(
        _("I. Mức độ hài lòng (mục tiêu %(target)s%%)", target=f"{s['target_percent']:g}"),
        lead=_("Chỉ số hài lòng về cung ứng dịch vụ hành chính công: %(value)s (%(verdict)s), "
               "trên %(n)s người trả lời; tổng số %(responses)s phiếu%(channels)s. Dưới "
               "%(min)d câu trả lời: chưa đủ để kết luận.", value=pct(service["value"]),
               verdict=status[service["status"]].lower() or _("không đánh giá"),
               n=num(service["n"]), responses=num(s["responses"]), channels=channels,
               min=s["min_sample"]),
        tables=[Table([_("Mã"), _("Nội dung"), _("Tỷ lệ"), "n", _("Khoảng tin cậy 95%"),
                       _("So với mục tiêu")],
                      _figures([service, *s["elements"], *s["items"], *s["yesno"],
                                s["overall_sat3"]], status),
                      (20, 48, 16, 18, 38, 25),
                      ("LEFT", "LEFT", "RIGHT", "RIGHT", "CENTER", "LEFT")),
                _distribution(s["sat5_distribution"]),
                # A unit with units below ranks them (section V); its counters, a
                # province's hundreds, are in the workbook.
                *([] if report.children else _counters(s["by_counter"], status))],
        charts=("trend", "elements"))]
    counts = [[_(label), num(p[key])] for key, label in PETITION_ROWS]
    counts += [[_("Tỷ lệ giải quyết đúng hạn"), pct(p["on_time_rate"])],
               [_("Hài lòng về giải quyết PAKN (QĐ 766)"), pct(p["satisfaction"]["percent"])]]
    quantity = _("Số lượng")
    tables = [Table([_("Chỉ tiêu"), quantity], counts, (130, 35), ("LEFT", "RIGHT"))]
    tables.append(Table([_("Kênh tiếp nhận"), quantity],
                        [[_(rules.CHANNELS[k]) if k in rules.CHANNELS else k, num(v)]
                         for k, v in p["received_by_channel"].items()] or [["—", "0"]],
                        (130, 35), ("LEFT", "RIGHT")))
    tables.append(Table([_("Nội dung (Điều 5 NĐ 20/2008)"), quantity],
                        [[_category(k), num(v)] for k, v in p["received_by_category"].items()]
                        or [["—", "0"]], (130, 35), ("LEFT", "RIGHT")))
    late = p["late_items"]
    if late:
        tables.append(Table(
            [_("Mã"), _("Đơn vị"), _("Hạn trả lời"), _("Trễ (ngày)"), _("Lý do")],
            [[i["code"], i["unit"], day(i["reply_due"]), num(i["days_late"]),
              i["reason"] or ""] for i in late[:MAX_LISTED]],
            (25, 30, 25, 20, 65), ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
            caption=_("Phản ánh, kiến nghị quá hạn và trả lời trễ hạn")
            + more(min(len(late), MAX_LISTED), len(late))))
    out.append(Section(_("II. Phản ánh, kiến nghị (mục tiêu %(target)s%% đúng hạn)",
                         target=f"{p['target']:g}"),
                       tables=tables, charts=("outcomes", "on_time")))
    out.append(_dossiers(report.dossiers))
    out.append(Section(_("IV. So sánh"), tables=[Table(
        [_("Kỳ"), _("Thời gian"), _("Chỉ số hài lòng"), "n", _("PAKN đúng hạn")],
        [[_(COMPARED[c.key]), dates(c.period), pct(c.service["value"]),
          num(c.service["n"]), pct(c.on_time_rate)] for c in report.compared],
        (38, 48, 30, 19, 30), ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))]))
    if report.children:
        out.append(Section(_("V. Các đơn vị trực thuộc (chưa đạt mục tiêu xếp trước)"),
                           tables=[Table(
                               [_("Đơn vị"), _("Chỉ số hài lòng"), "n",
                                _("So với %(target)s%%", target=f"{s['target_percent']:g}"),
                                _("PAKN đúng hạn")],
                               [[c.name, pct(c.service["value"]), num(c.service["n"]),
                                 status[c.service["status"]], pct(c.on_time_rate)]
                                for c in report.children],
                               (51, 28, 18, 38, 30),
                               ("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT"))]))
    if report.comments:
        out.append(Section(
            _("VI. Ý kiến của người dân (%(n)d ý kiến gần nhất trong kỳ)",
              n=len(report.comments)),
            tables=[Table([_("Lúc"), _("Quầy"), _("Ý kiến")],
                          [[moment(c["at"]), c["counter"], c["text"]]
                           for c in report.comments],
                          (28, 37, 100), ("LEFT", "LEFT", "LEFT"))]))
    return _numbered(out)


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _numbered(out: list[Section]) -> list[Section]:
    """The sections numbered in the order they appear: a commune has no units below, so
    its comments are section V, not VI after a gap a clerk would have to correct. The
    titles keep their numbers in the catalogue (translators see the whole heading)."""
    return [replace(section, title=re.sub(r"^[IVX]+\.", f"{_ROMAN[i]}.", section.title))
            for i, section in enumerate(out)]


#: The words for a snapshot's keys (periodic.snapshot), so a change after late data reads
#: "Phản ánh, kiến nghị › Tiếp nhận trong kỳ", not "petitions › received". Item codes,
#: names and other keys not listed here are shown as they are.
_KEYS: dict[str, str] = {
    "satisfaction": N_("Mức độ hài lòng"), "petitions": N_("Phản ánh, kiến nghị"),
    "dossiers": N_("Hồ sơ"), "compared": N_("So sánh"), "children": N_("Đơn vị trực thuộc"),
    "service": N_("Chỉ số hài lòng"), "value": N_("Tỷ lệ"), "responses": N_("Số phiếu"),
    "ci95": N_("Khoảng tin cậy 95%"), "status": N_("So với mục tiêu"),
    "sat5_distribution": N_("Phân bố câu trả lời"), "by_channel": N_("Số phiếu theo kênh"),
    "by_counter": N_("Theo quầy"), "by_procedure": N_("Theo thủ tục"),
    "on_time_rate": N_("Tỷ lệ giải quyết đúng hạn"),
    "received_by_channel": N_("Kênh tiếp nhận"),
    "received_by_category": N_("Nội dung (Điều 5 NĐ 20/2008)"),
    "late_items": N_("Phản ánh, kiến nghị quá hạn và trả lời trễ hạn"),
    "days_late": N_("Trễ (ngày)"), "procedures": N_("Theo thủ tục"),
    **dict(PETITION_ROWS), **COMPARED,
}


def change_label(path: str) -> str:
    """A changed figure's place in the report, in the reader's words."""
    return " › ".join(_(_KEYS[part]) if part in _KEYS else part
                      for part in path.split(" › "))


#: The administrative frame both documents share (msgids: read through gettext).
NATION = N_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
MOTTO = N_("Độc lập - Tự do - Hạnh phúc")
NUMBER_LINE = N_("Số: ........ /BC-........")
DATE_LINE = N_("............, ngày ..... tháng ..... năm ..........")
RECIPIENTS = (N_("- Như trên;"), N_("- Lưu: VT."))
SIGNER = N_("THỦ TRƯỞNG ĐƠN VỊ")
SIGN_HINT = N_("(Ký, ghi rõ họ tên, đóng dấu)")
REPORT = N_("BÁO CÁO")
RECIPIENTS_HEAD = N_("Nơi nhận:")
