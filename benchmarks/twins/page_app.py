"""Twin of our survey page: the least Flask can do to serve a ~1 KB Jinja page from a file.

It sets the floor for GET /q/<token>: routing, a template render and a response, with no
database, forms or extensions. Our page divided by this says what our extras cost.
Served by gunicorn as `page_app:create_app()` (benchmarks/run.py puts this folder on the path).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

HERE = Path(__file__).resolve().parent
ITEMS = ["TC2", "TT1", "TT4", "CC1", "CC3", "KQ1", "PA1"]


def create_app() -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"))

    @app.get("/q/<token>")
    def page(token: str) -> str:
        return render_template(
            "page.html", token=token, title="Đánh giá nhanh mức độ hài lòng",
            unit="Xã Hoằng Ngọc", counter="Quầy 1 — Tư pháp, hộ tịch", items=ITEMS,
        )

    return app
