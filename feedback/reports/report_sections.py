"""What the periodic report says, section by section, as text and tables: the PDF and
the DOCX lay out the same sections, so they cannot disagree (the workbook holds the same
figures as numbers). Numbers and dates are written for the reader through Flask-Babel:
"88,98%" and "1.045" in Vietnamese."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from flask_babel import format_decimal

from feedback.reports.periodic import Report, Words
from feedback.reports.report_xlsx import COMPARED, KINDS, PETITION_ROWS

Align = Literal["LEFT", "RIGHT", "CENTER"]


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    #: Relative widths (millimetres on the PDF's 165 mm line) and each column's alignment.
    widths: Sequence[float]
    align: Sequence[Align]


@dataclass(frozen=True)
class Section:
    title: str
    lead: str = ""
    tables: list[Table] = field(default_factory=list)
    #: The twelve-month chart goes after this section's first table.
    chart: bool = False


def pct(value: float | None) -> str:
    return "—" if value is None else format_decimal(round(value, 2), format="0.00") + "%"


def num(value: int | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0")


def day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def period_words(report: Report) -> str:
    first = report.period.first
    if report.kind == "monthly":
        return f"tháng {first.month} năm {first.year}"
    if report.kind == "quarterly":
        return f"quý {(first.month - 1) // 3 + 1} năm {first.year}"
    return f"năm {first.year}"


def title(report: Report) -> tuple[str, str]:
    """The title's second line and the line under it."""
    return (f"Kết quả đo lường sự hài lòng và giải quyết phản ánh, kiến nghị "
            f"{period_words(report)}",
            f"({KINDS[report.kind]}, từ {report.period.label()})")


def generated(report: Report) -> str:
    return (f"Lập tự động lúc {report.generated_at:%H:%M %d/%m/%Y} (UTC) từ hệ thống "
            "Góp ý")


def _figures(rows: Sequence[dict[str, Any]], status: Mapping[str, str]) -> list[list[str]]:
    return [[f["code"], f["label"], pct(f["value"]), num(f["n"]),
             "" if not f["ci95"] else f"{pct(f['ci95'][0])} – {pct(f['ci95'][1])}",
             status[f["status"]]] for f in rows]


def sections(report: Report, words: Words) -> list[Section]:
    s, p, status = report.satisfaction, report.petitions, words.status
    service = s["service"]
    channels = ", ".join(f"{words.channels.get(k, k).lower()}: {num(v)}"
                         for k, v in sorted(s["by_channel"].items()))
    channels = f" ({channels})" if channels else ""
    out = [Section(
        f"I. Mức độ hài lòng (mục tiêu {s['target_percent']:g}%)",
        lead=(f"Chỉ số hài lòng về cung ứng dịch vụ hành chính công: {pct(service['value'])}"
              f" ({status[service['status']].lower() or 'không đánh giá'}), trên "
              f"{num(service['n'])} người trả lời; tổng số {num(s['responses'])} phiếu"
              f"{channels}. Dưới {s['min_sample']} câu trả lời: chưa đủ để kết luận."),
        tables=[Table(["Mã", "Nội dung", "Tỷ lệ", "n", "Khoảng tin cậy 95%",
                       "So với mục tiêu"],
                      _figures([service, *s["elements"], *s["items"], *s["yesno"],
                                s["overall_sat3"]], status),
                      (17, 58, 17, 11, 37, 25),
                      ("LEFT", "LEFT", "RIGHT", "RIGHT", "CENTER", "LEFT"))],
        chart=True)]
    counts = [[label, num(p[key])] for key, label in PETITION_ROWS]
    counts += [["Tỷ lệ giải quyết đúng hạn", pct(p["on_time_rate"])],
               ["Hài lòng về giải quyết PAKN (QĐ 766)", pct(p["satisfaction"]["percent"])]]
    tables = [Table(["Chỉ tiêu", "Số lượng"], counts, (130, 35), ("LEFT", "RIGHT"))]
    if p["late_items"]:
        tables.append(Table(
            ["Mã", "Đơn vị", "Hạn trả lời", "Trễ (ngày)", "Lý do"],
            [[i["code"], i["unit"], day(i["reply_due"]), num(i["days_late"]),
              i["reason"] or ""] for i in p["late_items"]],
            (25, 30, 25, 20, 65), ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT")))
    out.append(Section(f"II. Phản ánh, kiến nghị (mục tiêu {p['target']:g}% đúng hạn)",
                       tables=tables))
    out.append(Section("III. So sánh", tables=[Table(
        ["Kỳ", "Thời gian", "Chỉ số hài lòng", "n", "PAKN đúng hạn"],
        [[COMPARED[c.key], c.period.label(), pct(c.service["value"]), num(c.service["n"]),
          pct(c.on_time_rate)] for c in report.compared],
        (40, 50, 30, 15, 30), ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))]))
    if report.children:
        out.append(Section("IV. Các đơn vị trực thuộc (chưa đạt mục tiêu xếp trước)",
                           tables=[Table(
                               ["Đơn vị", "Chỉ số hài lòng", "n", "So với 90%",
                                "PAKN đúng hạn"],
                               [[c.name, pct(c.service["value"]), num(c.service["n"]),
                                 status[c.service["status"]], pct(c.on_time_rate)]
                                for c in report.children],
                               (55, 28, 14, 38, 30),
                               ("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT"))]))
    return out


#: The administrative frame both documents share.
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER_LINE = "Số: ........ /BC-........"
DATE_LINE = "............, ngày ..... tháng ..... năm .........."
RECIPIENTS = ("- Như trên;", "- Lưu: VT.")
SIGNER = "THỦ TRƯỞNG ĐƠN VỊ"
SIGN_HINT = "(Ký, ghi rõ họ tên, đóng dấu)"
