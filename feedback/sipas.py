"""SIPAS-style satisfaction arithmetic (DOMAIN.md §3), pure so every screen agrees.

Counts come in already aggregated by the database: ``{item: {value: n}}``. Rates are
percentages. Nothing here knows about Flask or SQL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from feedback.msgid import N_

Mode = Literal["mean", "pooled"]
Status = Literal["met", "below", "insufficient", "empty", "info"]


SAT5: dict[int, str] = {
    1: N_("Rất không hài lòng"),
    2: N_("Không hài lòng"),
    3: N_("Bình thường"),
    4: N_("Hài lòng"),
    5: N_("Rất hài lòng"),
}
SAT3: dict[int, str] = {1: N_("Không hài lòng"), 2: N_("Hài lòng"), 3: N_("Rất hài lòng")}
YESNO: dict[int, str] = {1: N_("Có"), 0: N_("Không")}
#: A figure's verdict against the target (`Figure.status`); "info" has no verdict.
STATUS_LABELS: dict[str, str] = {
    "met": N_("Đạt"),
    "below": N_("Chưa đạt"),
    "insufficient": N_("Chưa đủ câu trả lời"),
    "empty": N_("Chưa có câu trả lời"),
    "info": "",
}

ELEMENTS: dict[str, str] = {
    "TC": N_("Tiếp cận dịch vụ"),
    "TT": N_("Thủ tục hành chính"),
    "CC": N_("Công chức"),
    "KQ": N_("Kết quả"),
    "PA": N_("Tiếp nhận, xử lý phản ánh, kiến nghị"),
}

ITEMS: dict[str, str] = {
    "TC1": N_(
        "Thông tin về giải quyết thủ tục hành chính được cung cấp theo nhiều hình thức, "
        "dễ tiếp cận, dễ hiểu"
    ),
    "TC2": N_("Trụ sở có biển hiệu, hướng dẫn rõ ràng, dễ thấy"),
    "TC3": N_("Trụ sở sạch sẽ, văn minh"),
    "TC4": N_("Trang thiết bị phục vụ đầy đủ, chất lượng tốt"),
    "TT1": N_("Thủ tục hành chính được niêm yết công khai, dễ thấy, dễ hiểu"),
    "TT2": N_("Thành phần hồ sơ phải nộp đúng quy định"),
    "TT3": N_("Phí, lệ phí phải nộp đúng quy định"),
    "TT4": N_("Thời hạn giải quyết đúng quy định"),
    "CC1": N_("Thái độ giao tiếp lịch sự, tôn trọng"),
    "CC2": N_("Trả lời kịp thời, đầy đủ câu hỏi, ý kiến"),
    "CC3": N_("Hướng dẫn dễ hiểu, hoàn thiện hồ sơ sau một lần hướng dẫn"),
    "CC4": N_("Tuân thủ đúng quy định khi giải quyết công việc"),
    "CC5": N_("Tận tình trong quá trình giải quyết công việc"),
    "KQ1": N_("Kết quả được trả đúng hẹn"),
    "KQ2": N_("Kết quả có thông tin đầy đủ, chính xác"),
    "KQ3": N_("Kết quả bảo đảm công bằng"),
    "PA1": N_("Có hình thức tiếp nhận góp ý, phản ánh, kiến nghị dễ dàng"),
    "PA2": N_("Tiếp nhận, xử lý phản ánh, kiến nghị đúng quy định"),
    "PA3": N_("Thông báo kết quả xử lý phản ánh, kiến nghị kịp thời"),
}

YESNO_ITEMS: dict[str, str] = {
    "HARASS": N_("Công chức có gây phiền hà, sách nhiễu không?"),
    "INFORMAL": N_("Có phải trả chi phí ngoài quy định không?"),
}
#: The one-tap counter rating (SAT3); reported beside, never mixed into, the SAT5 index.
OVERALL = "OVERALL"
OVERALL_LABEL = N_("Đánh giá nhanh tại quầy")

SERVICE_LABEL = N_("Chỉ số hài lòng về cung ứng dịch vụ hành chính công")
ALL = "ALL"  # key of the respondent count for the service index


def element_of(item: str) -> str:
    """Item codes start with their element's two letters (TC1 → TC)."""
    return item[:2]


def scale_of(item: str) -> dict[int, str]:
    if item in ITEMS:
        return SAT5
    if item in YESNO_ITEMS:
        return YESNO
    if item == OVERALL:
        return SAT3
    raise KeyError(item)


def satisfied_values(item: str) -> frozenset[int]:
    """The values counted in an item's share: 4–5 on SAT5 and 2–3 on SAT3 (satisfied);
    1 on the yes/no questions, whose share is of "yes" (a problem reported)."""
    if item in ITEMS:
        return frozenset({4, 5})
    if item == OVERALL:
        return frozenset({2, 3})
    return frozenset({1})


def rate(successes: int, n: int) -> float | None:
    return None if n <= 0 else 100.0 * successes / n


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval in percent; stays inside 0–100 even at small n."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


@dataclass(frozen=True)
class Figure:
    """One reported percentage with the sample behind it and its status against target."""

    code: str
    label: str
    value: float | None
    n: int
    low: float | None
    high: float | None
    status: Status

    def as_dict(self) -> dict[str, object]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        return {
            "code": self.code,
            "label": self.label,
            "value": r(self.value),
            "n": self.n,
            "ci95": None if self.low is None else [r(self.low), r(self.high)],
            "status": self.status,
        }


def judge(value: float | None, n: int, target: float, min_sample: int) -> Status:
    if value is None or n == 0:
        return "empty"
    if n < min_sample:
        return "insufficient"
    return "met" if value >= target else "below"


def make_figure(
    code: str, label: str, value: float | None, n: int, target: float, min_sample: int,
    *, judged: bool = True,
) -> Figure:
    """Wilson interval around `value` with `n` respondents (value may be an index, not a
    plain share: for element and service indices the interval is an approximation)."""
    interval = None if value is None else wilson_interval(value / 100 * n, n)
    status: Status = judge(value, n, target, min_sample) if judged else "info"
    if not judged and (value is None or n == 0):
        status = "empty"
    return Figure(
        code, label, value, n,
        None if interval is None else interval[0],
        None if interval is None else interval[1],
        status,
    )


Counts = Mapping[str, Mapping[int, int]]


def item_tally(values: Mapping[int, int], item: str) -> tuple[int, int]:
    """(satisfied, valid) for one item; values outside the scale are not answers."""
    scale = scale_of(item)
    good = satisfied_values(item)
    valid = sum(n for v, n in values.items() if v in scale)
    sat = sum(n for v, n in values.items() if v in good)
    return sat, valid


def item_rate(values: Mapping[int, int], item: str) -> float | None:
    """P_i = 100 × (n4 + n5) / n_valid."""
    return rate(*item_tally(values, item))


def element_indices(counts: Counts, mode: Mode = "mean") -> dict[str, float]:
    """Every element's index E_k that has answers: the mean of its item rates present
    (default) or its answers pooled (option). One pass over the items, since a province's
    page computes this for hundreds of counters and procedures."""
    tallies: dict[str, list[tuple[int, int]]] = {}
    for item, values in counts.items():
        if item in ITEMS:
            sat, valid = item_tally(values, item)
            if valid > 0:
                tallies.setdefault(element_of(item), []).append((sat, valid))
    if mode == "pooled":
        return {e: 100.0 * sum(s for s, _ in t) / sum(n for _, n in t)
                for e, t in tallies.items()}
    return {e: sum(100.0 * s / n for s, n in t) / len(t) for e, t in tallies.items()}


def element_index(counts: Counts, element: str, mode: Mode = "mean") -> float | None:
    """E_k of one element (None without answers)."""
    return element_indices(counts, mode).get(element)


def _mean_of_elements(indices: Mapping[str, float]) -> float | None:
    present = [v for e, v in indices.items() if e in ELEMENTS]
    return sum(present) / len(present) if present else None


def service_index(counts: Counts, mode: Mode = "mean") -> float | None:
    """S: mean of the element indices present."""
    return _mean_of_elements(element_indices(counts, mode))


def service_figure(counts: Counts, respondents: Mapping[str, int], *, mode: Mode = "mean",
                   target: float = 90.0, min_sample: int = 30) -> Figure:
    """Only the service index's figure: what a ranking row shows."""
    return make_figure(ALL, SERVICE_LABEL, service_index(counts, mode),
                       respondents.get(ALL, 0), target, min_sample)


@dataclass(frozen=True)
class Summary:
    service: Figure
    elements: list[Figure]
    items: list[Figure]
    yesno: list[Figure]
    overall: Figure
    mode: Mode

    def as_dict(self) -> dict[str, object]:
        return {
            "aggregation": self.mode,
            "service": self.service.as_dict(),
            "elements": [f.as_dict() for f in self.elements],
            "items": [f.as_dict() for f in self.items],
            "yesno": [f.as_dict() for f in self.yesno],
            "overall_sat3": self.overall.as_dict(),
        }


def summarize(
    counts: Counts,
    respondents: Mapping[str, int],
    *,
    mode: Mode = "mean",
    target: float = 90.0,
    min_sample: int = 30,
) -> Summary:
    """Every figure of a period. `respondents` maps element codes and ALL to the number of
    distinct responses that answered at least one of their items."""
    items = []
    for code, label in ITEMS.items():
        sat, valid = item_tally(counts.get(code, {}), code)
        items.append(make_figure(code, label, rate(sat, valid), valid, target, min_sample))
    indices = element_indices(counts, mode)
    elements = [
        make_figure(code, label, indices.get(code), respondents.get(code, 0), target,
                    min_sample)
        for code, label in ELEMENTS.items()
    ]
    service = make_figure(ALL, SERVICE_LABEL, _mean_of_elements(indices),
                          respondents.get(ALL, 0), target, min_sample)
    yesno = []
    for code, label in YESNO_ITEMS.items():
        yes, valid = item_tally(counts.get(code, {}), code)
        yesno.append(make_figure(code, label, rate(yes, valid), valid, target, min_sample,
                                 judged=False))
    sat, valid = item_tally(counts.get(OVERALL, {}), OVERALL)
    overall = make_figure(OVERALL, OVERALL_LABEL, rate(sat, valid), valid, target, min_sample)
    return Summary(service, elements, items, yesno, overall, mode)


def distribution(counts: Counts) -> dict[int, int]:
    """How many SAT5 answers fell on each level, across all items."""
    dist = dict.fromkeys(SAT5, 0)
    for item, values in counts.items():
        if item in ITEMS:
            for v, n in values.items():
                if v in dist:
                    dist[v] += n
    return dist


def required_sample(population: int, margin: float = 0.05) -> int:
    """Slovin's n = N / (1 + N·e²), rounded up (N = 600 → 240)."""
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin * margin) - 1e-9)
