"""The project's PDF documents, counter posters and reports alike: A4 in millimetres, with
the DejaVu fonts registered. They cover every Vietnamese letter and ship inside matplotlib,
a dependency, so nothing is fetched at run time and every machine renders the same.

Pure module: no Flask, no database. matplotlib is imported only to find its fonts, when
the first document is made.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

from fpdf import FPDF

#: Font families: SANS in regular, bold, italic and bold italic; MONO in regular and bold,
#: for codes and addresses typed by hand only (it has no "ỉ" or "ố").
SANS, MONO = "DejaVu", "DejaVuMono"

_FILES = {
    (SANS, ""): "DejaVuSans.ttf",
    (SANS, "B"): "DejaVuSans-Bold.ttf",
    (SANS, "I"): "DejaVuSans-Oblique.ttf",
    (SANS, "BI"): "DejaVuSans-BoldOblique.ttf",
    (MONO, ""): "DejaVuSansMono.ttf",
    (MONO, "B"): "DejaVuSansMono-Bold.ttf",
}


@functools.cache
def font_paths() -> dict[tuple[str, str], Path]:
    """(family, style) → the font file, in matplotlib's bundled fonts."""
    import matplotlib  # deferred on purpose: only PDFs need it

    ttf_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    paths = {key: ttf_dir / name for key, name in _FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"DejaVu fonts not found: {', '.join(missing)}")
    return paths


FontStyle = tuple[str, str]


D = TypeVar("D", bound=FPDF)


def new_document(*, created: datetime, margins: tuple[float, float, float],
                 page_break: float | None = None,
                 orientation: Literal["portrait", "landscape"] = "portrait",
                 fonts: Iterable[FontStyle] = tuple(_FILES), cls: type[D] = FPDF  # type: ignore[assignment]
                 ) -> D:
    """An empty A4 document with the fonts registered, Vietnamese as its language and a
    fixed creation date (the same input gives the same bytes). `margins` are left, top
    and right; `page_break` is the bottom margin at which text flows to a new page, or
    None for a layout that places everything itself. `fonts` lists the (family, style)
    pairs the document uses: each one registered is embedded, used or not (11 KB). `cls`
    is FPDF or a subclass (one with a page footer, say)."""
    pdf = cls(orientation=orientation, unit="mm", format="A4")
    paths = font_paths()
    for family, style in fonts:
        pdf.add_font(family, style, str(paths[(family, style)]))
    pdf.set_margins(*margins)
    pdf.set_auto_page_break(auto=page_break is not None, margin=page_break or 0)
    pdf.set_lang("vi")
    pdf.set_creator("feedback")
    pdf.set_creation_date(created)
    return pdf
