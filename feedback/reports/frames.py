"""Export tables with pandas: one row per response, one column per item."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import pandas as pd

from feedback import sipas

ITEM_COLUMNS = [*sipas.ITEMS, *sipas.YESNO_ITEMS, sipas.OVERALL]
HEADERS = {
    "id": "Mã phiếu",
    "created_at": "Thời điểm",
    "unit": "Đơn vị",
    "counter": "Quầy",
    "procedure": "Thủ tục",
    "channel": "Kênh",
    "questionnaire": "Mẫu phiếu",
    "version": "Phiên bản",
    "age_band": "Độ tuổi",
    "respondent_type": "Đối tượng",
    "comment": "Ý kiến",
    "entered_by": "Người nhập",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: Any) -> Any:
    """Spreadsheet apps run cells that start like a formula: make them plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def responses_frame(rows: Sequence[Any], answers: Sequence[tuple[int, str, int]],
                    tz: str, *, age_labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """`age_labels` turns stored age-band codes into the words the citizen chose (old
    codes included); a code it does not know is kept as it is."""
    base = pd.DataFrame([asdict(r) for r in rows], columns=list(HEADERS))
    if age_labels and not base.empty:
        base["age_band"] = base["age_band"].map(
            lambda code: age_labels.get(code, code) if isinstance(code, str) else code)
    if not base.empty:
        base["created_at"] = (pd.to_datetime(base["created_at"], utc=True)
                              .dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M"))
    long = pd.DataFrame(list(answers), columns=["id", "item", "value"])
    wide = long.pivot_table(index="id", columns="item", values="value", aggfunc="first")
    wide = wide.reindex(columns=ITEM_COLUMNS)
    frame = base.merge(wide, how="left", left_on="id", right_index=True)
    for col in ITEM_COLUMNS:
        frame[col] = frame[col].astype("Int64")
    for col in ("comment", "counter", "procedure", "unit", "entered_by"):
        frame[col] = frame[col].map(_defuse)
    return frame.rename(columns=HEADERS)


def to_csv(frame: pd.DataFrame) -> bytes:
    # UTF-8 with BOM so Excel opens Vietnamese text correctly.
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, sheet: str = "Phiếu khảo sát") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
    return buf.getvalue()
