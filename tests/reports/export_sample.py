"""A fixed set of responses with every shape the export must write the same way: missing
answers, a 0 answer, empty and formula-like text, quotes, commas and line breaks, old and
unknown age codes, times either side of local midnight. `data/responses-sample.csv` and
`data/responses-sample.xlsx.json` are what the pandas export (before streaming, commit
23db5f6) wrote for these rows; the streaming export must write the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from feedback import sipas

TZ = "Asia/Ho_Chi_Minh"

#: (id, created_at, unit, counter, procedure, channel, questionnaire, version, age_band,
#:  respondent_type, comment, entered_by), answers
SAMPLE: list[tuple[tuple[Any, ...], dict[str, int]]] = [
    ((1, datetime(2026, 3, 31, 16, 59, 59, 999999, tzinfo=UTC), "Xã Hoằng Ngọc",
      "Quầy 1 — Tư pháp", "Chứng thực bản sao", "qr", "full", 1, "25-34", "person",
      'Tốt, nhưng "hơi" chậm', None),
     {**{item: 1 + i % 5 for i, item in enumerate(sipas.ITEMS)}, "HARASS": 0,
      "INFORMAL": 1}),
    ((2, datetime(2026, 3, 31, 17, 0, tzinfo=UTC), "Xã Hoằng Ngọc", None, None, "qr",
      "sat3", 1, None, None, None, None),
     {"OVERALL": 3}),
    ((3, datetime(2026, 3, 31, 17, 0, tzinfo=UTC), "+Xã", "@Quầy", "-Thủ tục", "paper",
      "short", 1, "18-25", "organisation", "=HYPERLINK(\"http://x\")", "=cán@bo.vn"),
     {"TC2": 5, "XX9": 4}),
    ((4, datetime(2026, 4, 1, 2, 3, 4, tzinfo=UTC), "Xã Tuệ Tĩnh", "Quầy 2", None,
      "tablet", "short", 1, "50-60", "business", "dòng 1\ndòng 2\r\ndòng 3", None),
     {}),
    ((5, datetime(2026, 4, 2, 9, 30, tzinfo=UTC), "Xã Tuệ Tĩnh", "Quầy 2", None, "qr",
      "short", 2, "xyz", None, "\tthụt lề", None),
     {"CC1": 2, "HARASS": 1}),
    ((6, datetime(2026, 4, 2, 9, 30, tzinfo=UTC), "Xã, phường", "Quầy \"3\"", "a;b",
      "qr", "full", 1, "", "", "", "x@y.vn"),
     {"PA3": 5, "KQ1": 4, "OVERALL": 1}),
    ((7, datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "Xã", "Quầy", "Thủ tục", "qr",
      "short", 1, "60+", "person", "\rđầu dòng", None),
     {"TT1": 4}),
    ((2147483647, datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "Xã", "Quầy", "Thủ tục", "qr",
      "short", 1, "under18", "person", " =không phải công thức", None),
     {"TC1": 5, "TC2": 5, "TC3": 5, "TC4": 5}),
]
