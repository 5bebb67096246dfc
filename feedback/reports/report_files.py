"""The periodic report as files: one draft (figures and charts, read once) written as PDF,
DOCX or XLSX. The CLI, the staff pages, the issued-report record and the reminder mail
all come through here, so the same unit and period give the same document everywhere.

Language: the PDF, the DOCX and the charts are written in the draft's language (`vi`, the
report sent to the province, or `en`) from the same code, through Flask-Babel. The workbook
is always Vietnamese: its sheet and column names are the data format the province reads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from feedback import sipas
from feedback.models import Unit
from feedback.reports import periodic
from feedback.reports.periodic import Report, Words
from feedback.reports.periods import Period, period_code
from feedback.survey import catalogue

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(MIMETYPES)
#: The language of the report as sent, stored and mailed.
OFFICIAL = "vi"


@dataclass(frozen=True)
class Draft:
    report: Report
    parent_name: str | None
    #: chart name → PNG (periodic.CHARTS), drawn once for every format and the page.
    charts: dict[str, bytes]
    lang: str = OFFICIAL


def draft(unit: Unit, kind: str, period: Period, *, now: datetime | None = None,
          with_charts: bool = True, lang: str = OFFICIAL) -> Draft:
    return drawn(unit, periodic.build(unit, kind, period, now=now), with_charts=with_charts,
                 lang=lang)


def drawn(unit: Unit, report: Report, *, with_charts: bool = True,
          lang: str = OFFICIAL) -> Draft:
    """The report with its charts in `lang` (the workbook has none: `with_charts=False`)."""
    with force_locale(lang):
        charts = periodic.charts(unit, report) if with_charts else {}
    return Draft(report, unit.parent.name if unit.parent else None, charts, lang)


def words() -> Words:
    """Verdicts and channels in the current locale."""
    return Words({k: _(v) if v else v for k, v in sipas.STATUS_LABELS.items()},
                 {k: _(v) for k, v in catalogue.CHANNEL_LABELS.items()})


def render(d: Draft, fmt: str) -> bytes:
    """The document's bytes. An unknown format is a programming error (callers check)."""
    out = io.BytesIO()
    if fmt == "xlsx":
        from feedback.reports import report_xlsx

        with force_locale(OFFICIAL):
            report_xlsx.write(d.report, out, words())
    elif fmt in ("pdf", "docx"):
        # Only the writer asked for: python-docx alone takes 0.17 s to import.
        if fmt == "pdf":
            from feedback.reports.report_pdf import write as writer
        else:
            from feedback.reports.report_docx import write as writer
        with force_locale(d.lang):
            writer(d.report, out, words(), parent_name=d.parent_name, charts=d.charts)
    else:
        raise ValueError(f"unknown report format {fmt!r}")
    return out.getvalue()


def filename(report: Report, fmt: str, lang: str = OFFICIAL) -> str:
    """bao-cao-thang-xa-a-2026-10.pdf: ASCII, so every browser and mail client keeps it;
    an English document says so (…-2026-10-en.pdf)."""
    slug = {"monthly": "thang", "quarterly": "quy", "yearly": "nam"}[report.kind]
    suffix = "-en" if lang != OFFICIAL and fmt != "xlsx" else ""
    return (f"bao-cao-{slug}-{report.unit_code}-{period_code(report.kind, report.period)}"
            f"{suffix}.{fmt}")
