"""Demo data: our first four communes, their counters and procedures, staff accounts and
twelve months of varied responses ending today, so every screen has something true to show.

Idempotent: a second run finds the units and leaves everything as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select

from feedback import links
from feedback.auth.services import hash_password
from feedback.extensions import db
from feedback.models import Answer, Counter, Procedure, Response, Unit, User
from feedback.org import find_unit
from feedback.reports.periods import last_months
from feedback.survey import catalogue

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - published demo accounts, never production

PROVINCES = [
    ("thanh-hoa", "Tỉnh Thanh Hóa"),
    ("lang-son", "Tỉnh Lạng Sơn"),
    ("hai-phong", "Thành phố Hải Phòng"),
]
# code, name, province, base satisfaction (share of 4–5 answers)
COMMUNES = [
    ("hoang-ngoc", "Xã Hoằng Ngọc", "thanh-hoa", 0.93),
    ("ha-tien", "Xã Hà Tiến", "thanh-hoa", 0.86),
    ("hong-phong", "Xã Hồng Phong", "lang-son", 0.90),
    ("tue-tinh", "Xã Tuệ Tĩnh", "hai-phong", 0.95),
]
COUNTERS = [
    ("Quầy 1 — Tư pháp, hộ tịch", "short"),
    ("Quầy 2 — Đất đai, xây dựng", "full"),
    ("Quầy 3 — Lao động, chính sách xã hội", "short"),
]
# Codes are the office's own short codes for the demo, not national TTHC codes.
PROCEDURES = [
    ("HT01", "Đăng ký khai sinh", "Hộ tịch"),
    ("HT02", "Đăng ký kết hôn", "Hộ tịch"),
    ("HT03", "Đăng ký khai tử", "Hộ tịch"),
    ("HT04", "Cấp giấy xác nhận tình trạng hôn nhân", "Hộ tịch"),
    ("HT05", "Đăng ký nhận cha, mẹ, con", "Hộ tịch"),
    ("HT06", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch"),
    ("HT07", "Cấp bản sao trích lục hộ tịch", "Hộ tịch"),
    ("HT08", "Đăng ký giám hộ", "Hộ tịch"),
    ("CT01", "Chứng thực bản sao từ bản chính", "Chứng thực"),
    ("CT02", "Chứng thực chữ ký trong giấy tờ, văn bản", "Chứng thực"),
    ("CT03", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản", "Chứng thực"),
    ("CT04", "Chứng thực văn bản thỏa thuận phân chia di sản", "Chứng thực"),
    ("DD01", "Đăng ký biến động quyền sử dụng đất", "Đất đai"),
    ("DD02", "Xác nhận nguồn gốc đất", "Đất đai"),
    ("DD03", "Hòa giải tranh chấp đất đai", "Đất đai"),
    ("DD04", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("XD01", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
    ("XD02", "Cấp giấy phép sửa chữa, cải tạo nhà ở", "Xây dựng"),
    ("LD01", "Xác nhận hộ nghèo, hộ cận nghèo", "Lao động, thương binh và xã hội"),
    ("LD02", "Trợ cấp xã hội hằng tháng cho người cao tuổi", "Bảo trợ xã hội"),
    ("LD03", "Trợ cấp xã hội cho người khuyết tật", "Bảo trợ xã hội"),
    ("LD04", "Hỗ trợ chi phí mai táng", "Bảo trợ xã hội"),
    ("LD05", "Xác nhận đối tượng chính sách người có công", "Người có công"),
    ("LD06", "Trợ cấp một lần cho thân nhân người có công", "Người có công"),
    ("GD01", "Chuyển trường cho học sinh trung học cơ sở", "Giáo dục"),
    ("HK01", "Đăng ký thường trú", "Cư trú"),
    ("HK02", "Đăng ký tạm trú", "Cư trú"),
    ("NN01", "Hỗ trợ khôi phục sản xuất sau thiên tai", "Nông nghiệp"),
    ("KD01", "Đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("KD02", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
     "Thành lập và hoạt động của hộ kinh doanh"),
]
COMMENTS = [
    "Cán bộ hướng dẫn tận tình, tôi làm một lần là xong.",
    "Phòng chờ hơi nóng, mong có thêm quạt.",
    "Trả kết quả đúng hẹn, rất hài lòng.",
    "Nên niêm yết rõ hơn mức lệ phí chứng thực.",
    "Chỗ để xe chật, buổi sáng đông người.",
    "Cảm ơn chị ở quầy hộ tịch đã giúp đỡ.",
    "Thời gian chờ lâu, nên có thêm một quầy vào thứ Hai.",
    "Hướng dẫn trên mạng khác với ở quầy, mong thống nhất.",
]
# Items citizens rate lower in practice (DOMAIN.md: PAKN element lowest nationally).
ITEM_OFFSET = {"TT4": -0.06, "KQ1": -0.04, "PA1": -0.08, "PA2": -0.07, "PA3": -0.09,
               "TC4": -0.03, "CC1": 0.03, "CC5": 0.02}


@dataclass(frozen=True)
class DemoResult:
    created: bool
    responses: int
    logins: list[tuple[str, str, str]]


def demo_logins() -> list[tuple[str, str, str]]:
    """(e-mail, role, unit) of every demo account; the password is DEMO_PASSWORD. An empty
    unit is the installation's administrator, who sees every province."""
    logins = [("admin@demo.feedback.vn", "admin", ""),  # the installation's administrator
              ("admin.thanh-hoa@demo.feedback.vn", "admin", "thanh-hoa"),
              ("viewer.thanh-hoa@demo.feedback.vn", "viewer", "thanh-hoa")]
    for code, _, _, _ in COMMUNES:
        logins.append((f"leader.{code}@demo.feedback.vn", "leader", code))
        logins.append((f"officer.{code}@demo.feedback.vn", "officer", code))
    return logins


def _answer(rng: random.Random, p: float) -> int:
    if rng.random() < p:
        return 5 if rng.random() < 0.45 else 4
    return rng.choices([1, 2, 3], weights=[1, 3, 6])[0]


def load(seed: int = 2026, per_month: tuple[int, int] = (35, 60)) -> DemoResult:
    if find_unit(COMMUNES[0][0]) is not None:
        return DemoResult(False, 0, demo_logins())
    rng = random.Random(seed)
    provinces = {code: Unit(code=code, name=name, kind="province") for code, name in PROVINCES}
    db.session.add_all(provinces.values())
    communes: dict[str, Unit] = {}
    for code, name, province, _ in COMMUNES:
        unit = Unit(code=code, name=name, kind="commune", parent=provinces[province])
        unit.counters = [Counter(name=n, position=i + 1, questionnaire=q)
                         for i, (n, q) in enumerate(COUNTERS)]
        communes[code] = unit
        db.session.add(unit)
        db.session.add_all(Procedure(unit=unit, code=c, name=n, field=f)
                           for c, n, f in PROCEDURES)
    password = hash_password(DEMO_PASSWORD)
    all_units = {**provinces, **communes}
    users = {}
    for email, role, unit_code in demo_logins():
        users[email] = User(email=email, password_hash=password, role=role,
                            unit=all_units.get(unit_code), name=email.split("@")[0])
    db.session.add_all(users.values())
    db.session.flush()

    tz = ZoneInfo(current_app.config["TIMEZONE"])
    now = datetime.now(UTC)
    today = now.astimezone(tz).date()
    secret = current_app.config["SECRET_KEY"]
    total = 0
    for code, _, _, base in COMMUNES:
        unit = communes[code]
        procs = list(db.session.scalars(select(Procedure.id).where(Procedure.unit_id == unit.id)))
        officer = users[f"officer.{code}@demo.feedback.vn"]
        for month_index, month in enumerate(last_months(today, 12)):
            drift = 0.05 * rng.uniform(-1, 1) + (0.02 if month_index > 8 else 0)
            start, end = month.bounds(tz)
            end = min(end, now)
            span = (end - start).total_seconds()
            if span <= 0:
                continue
            count = rng.randint(*per_month)
            if month.first.month == today.month and month.first.year == today.year:
                count = max(5, int(count * today.day / 30))
            rows, answer_sets = [], []
            for _ in range(count):
                counter = rng.choice(unit.counters)
                q = catalogue.current(counter.questionnaire)
                p = min(0.995, base + drift)
                answers = {}
                for item in q.items:
                    if rng.random() < 0.03:
                        continue  # left blank
                    answers[item] = _answer(rng, p + ITEM_OFFSET.get(item, 0.0))
                if not answers:
                    answers[q.items[0]] = _answer(rng, p)
                answers["HARASS"] = int(rng.random() < 0.03)
                answers["INFORMAL"] = int(rng.random() < 0.02)
                paper = rng.random() < 0.15
                created = start + timedelta(seconds=rng.uniform(0, span))
                rows.append({
                    "submission_id": links.new_submission_id(),
                    "unit_id": unit.id, "counter_id": counter.id,
                    "procedure_id": rng.choice(procs) if rng.random() < 0.8 else None,
                    "questionnaire": q.code, "questionnaire_version": q.version,
                    "channel": "paper" if paper else "qr",
                    "dossier_hash": (links.dossier_hash(secret, f"{code}-{total:06d}")
                                     if rng.random() < 0.4 else None),
                    "age_band": rng.choice(
                        [None, "under18", "18-24", "25-34", "35-49", "50-59", "60+"]),
                    "respondent_type": rng.choice([None, "person", "person", "business"])
                    if "respondent_type" in q.profile else None,
                    "comment": rng.choice(COMMENTS) if rng.random() < 0.12 else None,
                    "created_at": created, "recorded_at": created,
                    "entered_by_id": officer.id if paper else None,
                })
                answer_sets.append(answers)
                total += 1
            ids = db.session.scalars(
                insert(Response).returning(Response.id, sort_by_parameter_order=True), rows
            ).all()
            db.session.execute(insert(Answer), [
                {"response_id": rid, "item": item, "value": value}
                for rid, answers in zip(ids, answer_sets, strict=True)
                for item, value in answers.items()
            ])
    db.session.commit()
    return DemoResult(True, total, demo_logins())


__all__ = ["DEMO_PASSWORD", "DemoResult", "demo_logins", "load"]
