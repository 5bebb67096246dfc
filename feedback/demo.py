"""Demo data: our first four communes, their counters and procedures, staff accounts,
twelve months of varied responses and three months of petitions in every state ending today,
so every screen has something true to show.

Idempotent: a second run finds the units and leaves everything as it is.
"""

from __future__ import annotations

import io
import random
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select

from feedback import links
from feedback.auth.services import hash_password
from feedback.extensions import db
from feedback.models import (
    Answer,
    Counter,
    Petition,
    Procedure,
    ReportSchedule,
    Response,
    Unit,
    User,
)
from feedback.org import find_unit
from feedback.petitions import attachments, clock, public, replies, rules, services
from feedback.reports import tally
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
    petitions: int = 0


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
    # When each report is due (seed plans differ): the communes before the 10th of the month
    # after, the provinces before the 20th of the quarter's last month.
    db.session.add_all(ReportSchedule(unit_id=u.id, kind="monthly", due_day=10, month_offset=1)
                       for u in communes.values())
    db.session.add_all(ReportSchedule(unit_id=u.id, kind="quarterly", due_day=20,
                                      month_offset=0) for u in provinces.values())

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
    # The rows went in by bulk insert, past the write path's bookkeeping: count them into
    # the aggregate from the raw rows, as `feedback aggregates rebuild` would.
    tally.rebuild()
    petitions = load_petitions(seed + 1, communes, users)
    return DemoResult(True, total, demo_logins(), petitions)


# --- Petitions (PAKN) ---------------------------------------------------------------------
# Filed and handled through feedback.petitions.services with back-dated times, by the demo
# staff, so every stored due date, event and figure is what the app itself would produce.

#: Communes whose petitions all meet the 100% on-time target in the last month (their one
#: late answer is older); the other two have late answers and open overdue petitions, so a
#: province meets the target (Hải Phòng) or misses it (Thanh Hóa, Lạng Sơn).
ON_TARGET = frozenset({"hoang-ngoc", "tue-tinh"})


@dataclass(frozen=True)
class Topic:
    """One thing citizens write about: their words, the gist as published (no personal
    data) and the office's answer."""

    category: int
    content: str
    gist: str
    answer: str
    procedure: str | None = None


TOPICS = [
    Topic(1, "Tôi nộp hồ sơ đăng ký khai sinh cho cháu tại bộ phận một cửa, giấy hẹn ghi trả "
          "kết quả sau 3 ngày làm việc nhưng đã quá hẹn 5 ngày vẫn chưa có kết quả. Tôi đi lại "
          "ba lần mà không được giải thích lý do.",
          "việc trả kết quả đăng ký khai sinh quá hạn so với giấy hẹn",
          "Qua kiểm tra, hồ sơ bị chậm do công chức tư pháp – hộ tịch nghỉ ốm mà chưa bố trí "
          "người làm thay. UBND xã đã trả kết quả, gửi thư xin lỗi theo quy định và phân công "
          "người làm thay khi công chức vắng mặt.", "HT01"),
    Topic(1, "Hồ sơ đăng ký biến động đất đai của gia đình tôi bị yêu cầu bổ sung giấy tờ ba "
          "lần, mỗi lần một loại khác nhau. Đề nghị cán bộ hướng dẫn đầy đủ một lần ngay khi "
          "tiếp nhận.",
          "việc hướng dẫn bổ sung hồ sơ đất đai nhiều lần",
          "Phản ánh là đúng. UBND xã đã chấn chỉnh công chức tiếp nhận, lập danh mục giấy tờ "
          "để kiểm tra một lần và niêm yết tại Quầy 2.", "DD01"),
    Topic(1, "Khi chứng thực bản sao tại quầy, tôi bị yêu cầu nộp thêm 20.000 đồng ngoài mức "
          "phí niêm yết và không được nhận biên lai.",
          "việc thu phí chứng thực không đúng mức niêm yết",
          "UBND xã đã kiểm tra sổ thu phí, yêu cầu hoàn trả khoản thu sai và kiểm điểm cán bộ "
          "liên quan. Phí chứng thực bản sao là 2.000 đồng/trang cho hai trang đầu, từ trang "
          "thứ ba 1.000 đồng/trang, có niêm yết tại quầy.", "CT01"),
    Topic(1, "Hồ sơ đề nghị trợ cấp người cao tuổi của bố tôi nộp hơn một tháng nay chưa được "
          "xét. Tôi gọi điện lên xã nhiều lần nhưng không ai nghe máy.",
          "việc chậm xét hồ sơ trợ cấp xã hội hằng tháng cho người cao tuổi",
          "Hồ sơ đã được xét duyệt; quyết định trợ cấp đã ban hành, chi trả từ tháng sau kèm "
          "truy lĩnh. Số điện thoại của bộ phận một cửa đã có người trực trong giờ hành chính.",
          "LD02"),
    Topic(1, "Tôi nộp hồ sơ cấp giấy phép sửa chữa nhà ở đã quá hạn, cán bộ nói đang chờ ý "
          "kiến thẩm định nhưng tôi không nhận được văn bản thông báo nào.",
          "việc chậm cấp giấy phép sửa chữa, cải tạo nhà ở",
          "Hồ sơ thiếu bản vẽ hiện trạng theo quy định; UBND xã đã gửi thông báo bổ sung bằng "
          "văn bản và xin lỗi vì không thông báo kịp thời. Giấy phép được cấp trong 5 ngày làm "
          "việc kể từ khi nhận đủ hồ sơ.", "XD02"),
    Topic(1, "Tôi đăng ký hộ kinh doanh trực tuyến đã 8 ngày, trạng thái trên Cổng Dịch vụ công "
          "vẫn là đang xử lý và không có ai liên hệ hướng dẫn.",
          "hồ sơ đăng ký hộ kinh doanh trực tuyến chậm xử lý",
          "Hồ sơ đã được giải quyết và trả kết quả qua Cổng Dịch vụ công. UBND xã đã yêu cầu "
          "công chức theo dõi hồ sơ trực tuyến hằng ngày và gọi điện khi hồ sơ cần bổ sung.",
          "KD01"),
    Topic(2, "Đề nghị bỏ yêu cầu nộp bản sao giấy khai sinh khi làm thủ tục chuyển trường cho "
          "học sinh, vì thông tin này đã có trong Cơ sở dữ liệu quốc gia về dân cư.",
          "yêu cầu nộp bản sao giấy khai sinh khi chuyển trường",
          "UBND xã ghi nhận kiến nghị; bộ phận một cửa đã khai thác thông tin từ Cơ sở dữ liệu "
          "quốc gia về dân cư thay cho bản sao. Kiến nghị sửa quy định đã được tổng hợp gửi cấp "
          "có thẩm quyền.", "GD01"),
    Topic(2, "Bộ phận một cửa chỉ nhận hồ sơ đất đai vào sáng thứ Ba và thứ Năm, người đi làm "
          "công ty như tôi không sắp xếp được. Đề nghị nhận hồ sơ tất cả các ngày.",
          "lịch tiếp nhận hồ sơ đất đai chỉ hai buổi mỗi tuần",
          "Từ đầu tháng tới, bộ phận một cửa tiếp nhận hồ sơ đất đai tất cả các ngày làm việc."),
    Topic(3, "Hướng dẫn trên Cổng Dịch vụ công ghi nộp 1 bộ hồ sơ thay đổi nội dung đăng ký hộ "
          "kinh doanh, còn tại quầy lại yêu cầu 2 bộ. Đề nghị thống nhất.",
          "số bộ hồ sơ hộ kinh doanh khác nhau giữa Cổng Dịch vụ công và tại quầy",
          "Theo quy định hiện hành, hồ sơ nộp 1 bộ. UBND xã đã sửa bảng niêm yết tại quầy cho "
          "thống nhất với Cổng Dịch vụ công quốc gia.", "KD02"),
    Topic(4, "Khi nộp hồ sơ xác nhận hộ cận nghèo, tôi bị yêu cầu phải có xác nhận của trưởng "
          "thôn trước, trong khi thủ tục đã công bố không có yêu cầu này.",
          "yêu cầu xác nhận của trưởng thôn ngoài thành phần hồ sơ đã công bố",
          "Yêu cầu này không có trong thủ tục đã công bố. UBND xã đã bãi bỏ ngay và chỉ đạo "
          "công chức chỉ tiếp nhận theo thành phần hồ sơ được niêm yết.", "LD01"),
    Topic(5, "Khi đăng ký kết hôn với người nước ngoài, tôi được yêu cầu hợp pháp hóa lãnh sự "
          "giấy tờ của vợ sắp cưới, trong khi nước cấp giấy tờ đã ký hiệp định tương trợ tư "
          "pháp với Việt Nam.",
          "yêu cầu hợp pháp hóa lãnh sự giấy tờ được miễn theo điều ước quốc tế",
          "Giấy tờ do nước đã ký hiệp định tương trợ tư pháp với Việt Nam cấp được miễn hợp "
          "pháp hóa lãnh sự. UBND xã đã tiếp nhận hồ sơ mà không yêu cầu hợp pháp hóa.", "HT02"),
    Topic(6, "Phòng chờ của bộ phận một cửa thiếu ghế, người già phải đứng chờ lâu. Đề nghị bố "
          "trí thêm ghế và nước uống.",
          "chỗ ngồi chờ tại bộ phận một cửa",
          "UBND xã đã bố trí thêm 10 ghế chờ và bình nước uống tại bộ phận một cửa."),
    Topic(6, "Loa gọi số thứ tự quá nhỏ, người lớn tuổi khó nghe. Đề nghị thay loa hoặc lắp "
          "bảng điện tử.",
          "loa gọi số thứ tự khó nghe",
          "UBND xã đã thay loa và lắp màn hình hiển thị số thứ tự tại phòng chờ."),
    Topic(6, "Bãi để xe trước trụ sở không có mái che, trời mưa xe và giấy tờ của người dân "
          "bị ướt.",
          "bãi để xe không có mái che",
          "Mái che bãi để xe đã được đưa vào kế hoạch sửa chữa quý tới; trước mắt UBND xã bố "
          "trí khu để xe tạm trong sân trụ sở."),
    Topic(7, "Đề nghị xã niêm yết danh sách hồ sơ trễ hẹn và lý do trên bảng tin và trang thông "
          "tin điện tử để người dân theo dõi.",
          "công khai danh sách hồ sơ trễ hẹn",
          "UBND xã tiếp thu; danh sách hồ sơ trễ hẹn kèm lý do được cập nhật hằng tuần trên "
          "bảng tin tại trụ sở và trang thông tin điện tử của xã."),
    Topic(8, "Đề nghị cho người dân gửi bản chụp giấy tờ qua Zalo của bộ phận một cửa để được "
          "kiểm tra trước, tránh phải đi lại nhiều lần.",
          "việc kiểm tra trước hồ sơ qua Zalo",
          "UBND xã ghi nhận sáng kiến; từ tháng tới tài khoản Zalo của xã nhận bản chụp giấy tờ "
          "để hướng dẫn trước trong giờ hành chính. Hồ sơ chính thức vẫn nộp tại quầy hoặc trên "
          "Cổng Dịch vụ công."),
]
# Anonymous suggestions (góp ý): no name, address or contact, so never counted as PAKN.
GOP_Y_TEXTS = [
    "Nhà vệ sinh ở khu một cửa thường xuyên bị khóa, đề nghị mở cho người dân dùng.",
    "Nên có bảng chỉ dẫn to hơn ở cửa vào, lần đầu đến không biết quầy nào làm việc gì.",
    "Chị cán bộ quầy hộ tịch rất nhiệt tình, đề nghị xã biểu dương.",
    "Wifi ở phòng chờ không truy cập được, đề nghị kiểm tra.",
]
# Complaints and denunciations are not PAKN (DOMAIN §4): not accepted, with the reason.
NOT_PAKN = [
    ("Tôi khiếu nại quyết định thu hồi đất vì mức bồi thường thấp hơn giá thị trường, đề nghị "
     "xem xét lại.",
     "Nội dung là khiếu nại quyết định hành chính, không thuộc phạm vi phản ánh, kiến nghị. "
     "Đã hướng dẫn người gửi thực hiện theo Luật Khiếu nại."),
    ("Tố cáo trưởng thôn thu tiền của các hộ khi lập danh sách hộ nghèo.",
     "Nội dung là tố cáo hành vi vi phạm của cá nhân, không xử lý theo thủ tục phản ánh, kiến "
     "nghị. Đã hướng dẫn người gửi gửi đơn theo Luật Tố cáo."),
]
# Outside the commune's competence: (content, receiving body, reason); {p} is the
# province as in a sentence ("tỉnh Thanh Hóa"), {short} its bare name.
TRANSFERS = [
    ("Đường dây điện hạ thế trong thôn bị chùng võng, buổi tối thường xuyên mất điện. Đề nghị "
     "kiểm tra, sửa chữa.", "Công ty Điện lực {short}",
     "Thuộc trách nhiệm của đơn vị cung cấp điện, không thuộc thẩm quyền của UBND xã."),
    ("Thẻ bảo hiểm y tế của mẹ tôi bị ghi sai ngày sinh, đi khám bệnh bị từ chối thanh toán.",
     "Bảo hiểm xã hội {p}",
     "Việc cấp, điều chỉnh thẻ bảo hiểm y tế thuộc thẩm quyền của cơ quan bảo hiểm xã hội."),
]
WAIT_NOTES = [
    "Đề nghị ông/bà cung cấp số giấy hẹn trả kết quả hoặc ảnh chụp biên nhận hồ sơ.",
    "Đề nghị ông/bà cho biết ngày đến làm việc và quầy đã liên hệ để xác minh.",
]
# Why an answer came late: the figures list late items with their reason.
LATE_REASONS = [
    "Công chức phụ trách nghỉ phép, chưa bố trí người làm thay kịp thời.",
    "Phải xác minh tại thôn và chờ ý kiến của cơ quan chuyên môn.",
    "Hồ sơ chuyển giữa các bộ phận bị thất lạc, phải lập lại.",
]
EXTEND_REASON = ("Nội dung cần xác minh thực địa và lấy ý kiến Văn phòng đăng ký đất đai, chưa "
                 "thể trả lời trong thời hạn.")
INTERNAL_NOTE = "Đã gọi điện cho người gửi để xác nhận nội dung, người gửi đồng ý chờ kết quả."
REPLY_TEMPLATES = [
    ("Đã giải quyết xong hồ sơ",
     "Kính gửi ông/bà,\n\n{unit} đã kiểm tra nội dung ông/bà phản ánh. Hồ sơ của ông/bà đã "
     "được giải quyết và trả kết quả ngày ... . {unit} xin lỗi ông/bà vì sự chậm trễ.\n\n"
     "Trân trọng."),
    ("Hướng dẫn bổ sung hồ sơ",
     "Kính gửi ông/bà,\n\nĐể giải quyết, đề nghị ông/bà bổ sung các giấy tờ sau: ... . "
     "Ông/bà có thể nộp tại quầy hoặc trên Cổng Dịch vụ công quốc gia.\n\nTrân trọng."),
    ("Tiếp thu góp ý",
     "Kính gửi ông/bà,\n\n{unit} cảm ơn ý kiến của ông/bà và đã tiếp thu: ... .\n\nTrân trọng."),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Mai", "Trịnh"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Hữu", "Thanh", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long",
         "Mai", "Nam", "Nga", "Phúc", "Quyên", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Yến"]
# The public form, then what staff enter: every channel in rules.CHANNELS appears.
STAFF_CHANNELS = ["paper", "hotline", "box", "email", "zalo", "portal", "facebook"]


def _ascii(text: str) -> str:
    """Vietnamese → plain ASCII for the demo's made-up e-mail addresses."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


class _Office:
    """One commune's petitions being made: its people, its clock and a seeded generator.
    Every time is in the past and each petition's events follow each other."""

    def __init__(self, rng: random.Random, unit: Unit, leader: User, officer: User,
                 province: str) -> None:
        self.rng, self.unit, self.leader, self.officer = rng, unit, leader, officer
        self.province = province  # as written in an address: "tỉnh Thanh Hóa"
        self.counters = list(unit.counters)
        self.procedures = {p.code: p.id for p in db.session.scalars(
            select(Procedure).where(Procedure.unit_id == unit.id))}
        self.tz, self.closes = clock.tz(), clock.closes()
        self.cal = clock.calendar()
        self.now = clock.now()
        self.today = self.now.astimezone(self.tz).date()
        self.month_start = self.today.replace(day=1)
        self.made: list[Petition] = []
        self.topics = list(TOPICS)
        rng.shuffle(self.topics)
        self.channels = ["web", *STAFF_CHANNELS]
        rng.shuffle(self.channels)
        self.last: dict[int, datetime] = {}  # petition id → time of its latest event

    # --- days and times -------------------------------------------------------------------
    def back(self, n: int) -> date:
        """The n-th working day before today (today itself for 0)."""
        day = self.today
        for _ in range(n):
            day -= timedelta(days=1)
            while not self.cal.is_working_day(day):
                day -= timedelta(days=1)
        return day

    def after(self, day: date, n: int) -> date:
        return min(self.cal.add_working_days(day, n), self.today)

    def moment(self, day: date, after: datetime | None = None) -> datetime:
        """A time in office hours on `day`, after `after` and before now."""
        local = datetime.combine(day, time(7, 30), self.tz) + timedelta(
            minutes=self.rng.randint(0, 9 * 60 + 15))
        at = local.astimezone(UTC)
        if after is not None:
            at = max(at, after + timedelta(minutes=self.rng.randint(15, 90)))
        ceiling = self.now - timedelta(minutes=2)
        if at > ceiling:
            floor = after or ceiling - timedelta(hours=2)
            at = floor + (ceiling - floor) * self.rng.uniform(0.2, 0.8)
        return at

    # --- people and words -----------------------------------------------------------------
    def sender(self) -> dict[str, str | None]:
        name = (f"{self.rng.choice(FAMILY)} {self.rng.choice(MIDDLE)} "
                f"{self.rng.choice(GIVEN)}")
        phone = "09" + "".join(str(self.rng.randint(0, 9)) for _ in range(8))
        email = None
        if self.rng.random() < 0.3:
            email = f"{_ascii(name).replace(' ', '.')}{self.rng.randint(1, 99)}@example.com"
        return {
            "sender_name": name,
            "sender_address": f"Thôn {self.rng.randint(1, 12)}, {_in_text(self.unit.name)}, "
                              f"{self.province}",
            "sender_phone": rules.clean_phone(phone),
            "sender_email": email,
        }

    def topic(self) -> Topic:
        """The next topic, round the shuffled list so every category turns up."""
        topic = self.topics.pop(0)
        self.topics.append(topic)
        return topic

    def channel(self) -> str:
        channel = self.channels.pop(0)
        self.channels.append(channel)
        return channel

    # --- filing and acting ----------------------------------------------------------------
    def receive(self, day: date, *, topic: Topic | None = None, content: str | None = None,
                channel: str | None = None, anonymous: bool = False,
                files: tuple[tuple[str, bytes], ...] = ()) -> Petition:
        """File one petition received on `day` (office hours) through services.build, its
        `files` (name, bytes) checked and stored as the public form stores them."""
        channel = channel or self.channel()
        received_at = self.moment(day)
        staff_entered = channel != "web"
        recorded_at = (self.moment(day, received_at) if staff_entered else received_at)
        sender = ({"sender_name": None, "sender_address": None, "sender_phone": None,
                   "sender_email": None} if anonymous else self.sender())
        if channel == "hotline":
            sender["sender_email"] = None  # a caller gives a phone number
        procedure = topic.procedure if topic else None
        dossier = None
        if procedure and self.rng.random() < 0.6:
            dossier = f"{procedure}-{received_at:%y%m%d}-{self.rng.randint(1, 400):04d}"
        petition = services.build(services.NewPetition(
            unit_id=self.unit.id, channel=channel, content=content or (topic.content if topic
                                                                     else ""),
            submission_id=links.new_submission_id() if channel == "web" else None,
            counter_id=self.rng.choice(self.counters).id if channel == "web" else None,
            procedure_id=self.procedures.get(procedure) if procedure else None,
            category=topic.category if topic and self.rng.random() < 0.5 else None,
            dossier_code=dossier, received_at=received_at,
            entered_by_id=self.officer.id if staff_entered else None, **sender,
            files=[attachments.store(attachments.check(
                attachments.Incoming(name, io.BytesIO(data)),
                current_app.config["ATTACHMENT_MAX_BYTES"]))
                for name, data in files],
        ), now=recorded_at)
        db.session.commit()
        self.last[petition.id] = recorded_at
        self.made.append(petition)
        return petition

    def act(self, petition: Petition, action: str, day: date, **fields: object) -> datetime:
        """One workflow action on `day` by the right person: the officer for the assigned
        handling, the leader for the rest."""
        by_officer = action in {"wait", "resume", "answer"} or (
            action in {"reject", "note"} and self.rng.random() < 0.5)
        at = self.moment(day, self.last[petition.id])
        services.act(petition, action, self.officer if by_officer else self.leader,
                     dict(fields), now=at)
        self.last[petition.id] = at
        return at

    def accept(self, petition: Petition, day: date, topic: Topic | None) -> None:
        self.act(petition, "accept", day, category=str(topic.category if topic else 6),
                 assignee=str(self.officer.id))

    def answer(self, petition: Petition, day: date, topic: Topic | None) -> None:
        if topic is None:
            text = ("Cảm ơn ý kiến đóng góp. UBND xã đã tiếp thu và chỉ đạo bộ phận một cửa "
                    "khắc phục trong tuần.")
        else:
            text = (f"Kính gửi ông/bà {petition.sender_name},\n\n{self.unit.name} đã nhận "
                    f"phản ánh, kiến nghị của ông/bà về {topic.gist}. {topic.answer}\n\n"
                    f"Trân trọng cảm ơn ông/bà.")
        late = day > petition.reply_due  # the service then asks why
        self.act(petition, "answer", day, answer=text,
                 **({"reason": self.rng.choice(LATE_REASONS)} if late else {}))

    def publish(self, petition: Petition, day: date, topic: Topic | None) -> None:
        gist = topic.gist if topic else "điều kiện phục vụ tại bộ phận một cửa"
        done = topic.answer if topic else "UBND xã đã tiếp thu và khắc phục."
        self.act(petition, "publish", day,
                 public_text=f"Người dân phản ánh {gist}.\n\nKết quả: {done}")

    def rate(self, petition: Petition, on_time: bool) -> None:
        """The sender's SAT3 rating from the tracking page, a working day after the answer."""
        weights = [1, 5, 4] if on_time else [5, 4, 1]
        rating = self.rng.choices([1, 2, 3], weights=weights)[0]
        at = self.moment(self.after(self.last[petition.id].astimezone(self.tz).date(), 1),
                         self.last[petition.id])
        public.rate(petition, rating, now=at)
        self.last[petition.id] = at

    def handled(self, day: date, answer_after: int, *, published: bool, archived: bool,
                rated: bool = True) -> Petition:
        """Received on `day`, accepted next day, answered `answer_after` working days after
        receipt (on time when ≤ the profile's reply days), maybe published and archived."""
        topic = self.topic()
        petition = self.receive(day, topic=topic)
        self.accept(petition, self.after(day, self.rng.randint(0, 1)), topic)
        if self.rng.random() < 0.15:
            self.act(petition, "note", self.after(day, 1), note=INTERNAL_NOTE)
        answered = self.after(day, answer_after)
        self.answer(petition, answered, topic)
        if rated and petition.sender_phone and self.rng.random() < 0.5:
            self.rate(petition, bool(petition.on_time))
        if published:
            shown = self.after(answered, self.rng.randint(0, 2))
            self.publish(petition, shown, topic)
            if archived:
                self.archive(petition, self.after(shown, self.rng.randint(2, 5)))
        return petition

    def archive(self, petition: Petition, day: date) -> None:
        self.act(petition, "archive", day)


def _commune_petitions(office: _Office, on_target: bool, reply_days: int) -> None:
    """Every state, deadline situation, channel and category for one commune."""
    rng = office.rng
    # Three months of settled petitions: answered, published, archived.
    for _ in range(rng.randint(14, 18)):
        late = not on_target and rng.random() < 0.12
        after = reply_days + rng.randint(1, 4) if late else rng.randint(3, reply_days)
        day = office.back(rng.randint(after + 2, 64))
        kind = rng.random()
        office.handled(day, after, published=kind < 0.7, archived=kind < 0.35)
    # Answered this month, on time: the dashboard's current month has figures.
    for n in (9, 6):
        topic = office.topic()
        petition = office.receive(office.back(n), topic=topic)
        office.accept(petition, office.back(n - 1), topic)
        last = office.last[petition.id].astimezone(office.tz).date()
        days = [d for d in (office.back(k) for k in range(0, n - 1))
                if d >= max(office.month_start, last)]
        office.answer(petition, rng.choice(days) if days else office.today, topic)
    # Answered late: long ago where the commune is on target, recently where it is not.
    ago = rng.randint(45, 55) if on_target else reply_days + 5
    office.handled(office.back(ago), reply_days + 2, published=False, archived=False)
    if not on_target:
        office.handled(office.back(reply_days + 20), reply_days + 3, published=True,
                       archived=False)
    # New, not yet classified (one from a counter's QR poster, with a photo).
    topic = office.topic()
    office.receive(office.today, topic=topic, channel="web",
                   files=(("ảnh giấy hẹn.png", demo_png()),))
    office.receive(office.back(1), topic=office.topic(), channel="hotline")
    # In progress, in time; and due within two working days.
    for n in (2, 4, reply_days - 2, reply_days - 1):
        topic = office.topic()
        petition = office.receive(office.back(n), topic=topic)
        office.accept(petition, office.after(office.back(n), min(1, n - 1)), topic)
    # Waiting for the citizen (the clock is paused).
    topic = office.topic()
    day = office.back(7)
    petition = office.receive(day, topic=topic)
    office.accept(petition, office.after(day, 1), topic)
    office.act(petition, "wait", office.after(day, 3), note=rng.choice(WAIT_NOTES))
    # Paused, resumed and answered: on time only thanks to the pause.
    day = office.back(reply_days + 8)
    topic = office.topic()
    petition = office.receive(day, topic=topic)
    office.accept(petition, office.after(day, 1), topic)
    office.act(petition, "wait", office.after(day, 3), note=rng.choice(WAIT_NOTES))
    office.act(petition, "resume", office.after(day, 6))
    office.answer(petition, office.after(day, reply_days + 2), topic)
    # Extended once: still open; and answered after the first due date, on time.
    for n, answer_after in ((reply_days + 2, None), (reply_days + 4, reply_days + 2)):
        day = office.back(n)
        topic = office.topic()
        scan = (("đơn phản ánh (bản chụp).pdf", demo_pdf()),) if answer_after is None else ()
        petition = office.receive(day, topic=topic, channel="paper", files=scan)
        office.accept(petition, office.after(day, 1), topic)
        office.act(petition, "extend", office.after(day, reply_days - 2), reason=EXTEND_REASON)
        if answer_after is not None:
            office.answer(petition, office.after(day, answer_after), topic)
    # Not accepted (a complaint), one of them archived; transferred out.
    for i, (content, reason) in enumerate(NOT_PAKN):
        day = office.back(rng.randint(15, 40))
        petition = office.receive(day, content=content)
        office.act(petition, "reject", office.after(day, 1), reason=reason)
        if i == 0:
            office.archive(petition, office.after(day, 4))
    content, body, reason = rng.choice(TRANSFERS)
    day = office.back(rng.randint(8, 30))
    petition = office.receive(day, content=content, channel="hotline")
    office.act(petition, "transfer", office.after(day, rng.randint(1, 4)),
               receiving_body=body.format(p=office.province, short=_short_name(
                   office.province)), reason=reason)
    # Anonymous góp ý: new, in progress, and answered and published.
    texts = rng.sample(GOP_Y_TEXTS, 3)
    office.receive(office.back(1), content=texts[0], channel="box", anonymous=True)
    petition = office.receive(office.back(6), content=texts[1], channel="web", anonymous=True)
    office.accept(petition, office.back(5), None)
    day = office.back(25)
    petition = office.receive(day, content=texts[2], channel="box", anonymous=True)
    office.accept(petition, office.after(day, 1), None)
    office.answer(petition, office.after(day, 4), None)
    office.publish(petition, office.after(day, 5), None)
    # Open overdue, only where the commune misses the target: one never classified.
    if not on_target:
        office.receive(office.back(reply_days + 3), topic=office.topic())
        for n in (reply_days + 2, reply_days + 7):
            topic = office.topic()
            petition = office.receive(office.back(n), topic=topic)
            office.accept(petition, office.after(office.back(n), 1), topic)


def demo_png(width: int = 96, height: int = 64) -> bytes:
    """A small PNG, a photo of a form with lines of writing (a citizen's attachment)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        line = y % 8 in (5, 6) and 8 <= y < height - 8
        for x in range(width):
            ink = line and 8 <= x < width - 8 - (y * 7) % 23
            rows += bytes((40, 50, 90) if ink else (250 - y // 4, 246 - y // 4, 235))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def demo_pdf() -> bytes:
    """A one-page PDF, a scanned letter (a petition received on paper)."""
    text = (b"BT /F1 16 Tf 72 770 Td (Don phan anh, kien nghi) Tj "
            b"0 -28 Td /F1 11 Tf (Ban chup van ban giay - du lieu mau) Tj ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _in_text(name: str) -> str:
    """'Tỉnh Thanh Hóa' → 'tỉnh Thanh Hóa', as written inside a sentence or an address."""
    return name[:1].lower() + name[1:]


def _short_name(name: str) -> str:
    """'Thành phố Hải Phòng' → 'Hải Phòng'."""
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def load_petitions(seed: int, communes: dict[str, Unit], users: dict[str, User]) -> int:
    """Petitions in every state for each demo commune, and a few reply templates; returns
    how many petitions were filed."""
    rng = random.Random(seed)
    total = 0
    for code, unit in communes.items():
        leader = users[f"leader.{code}@demo.feedback.vn"]
        for title, body in REPLY_TEMPLATES:
            replies.create(unit, title, body.format(unit=unit.name), leader)
        province = unit.parent
        office = _Office(rng, unit, leader, users[f"officer.{code}@demo.feedback.vn"],
                         _in_text(province.name) if province else "")
        _commune_petitions(office, code in ON_TARGET, clock.profile_for(unit.id).reply_days)
        total += len(office.made)
    return total


__all__ = ["DEMO_PASSWORD", "DemoResult", "demo_logins", "load", "load_petitions"]
