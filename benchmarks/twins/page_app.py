"""Twin of our survey page and petition form: the least Flask can do to serve them.

It sets the floor for GET /q/<token> (a ~1 KB Jinja page from a file) and for
GET /q/<token>/pakn (the same form fields and option lists as ours, from constants): routing,
a template render and a response, with no database, forms or extensions. Our page divided
by this says what our extras cost. Served by gunicorn as `page_app:create_app()`
(benchmarks/run.py puts this folder on the path).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

HERE = Path(__file__).resolve().parent
ITEMS = ["TC2", "TT1", "TT4", "CC1", "CC3", "KQ1", "PA1"]
# The petition form's lists: 8 content categories, a commune's 30 procedures in 10 fields.
CATEGORIES = [(n, f"Loại nội dung phản ánh, kiến nghị số {n} theo Nghị định 20/2008/NĐ-CP")
              for n in range(1, 9)]
PROCEDURES = [(f"Lĩnh vực {f}", [(f * 3 + i, f"Thủ tục hành chính mẫu số {f * 3 + i} của xã")
                                  for i in range(3)]) for f in range(10)]


def create_app() -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"))

    @app.get("/q/<token>")
    def page(token: str) -> str:
        return render_template(
            "page.html", token=token, title="Đánh giá nhanh mức độ hài lòng",
            unit="Xã Hoằng Ngọc", counter="Quầy 1 — Tư pháp, hộ tịch", items=ITEMS,
        )

    @app.get("/q/<token>/pakn")
    def petition_page(token: str) -> str:
        return render_template(
            "pakn_page.html", token=token, unit="Xã Hoằng Ngọc",
            counter="Quầy 1 — Tư pháp, hộ tịch", categories=CATEGORIES, procedures=PROCEDURES,
        )

    return app
