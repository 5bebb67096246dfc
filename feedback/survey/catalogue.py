"""Versioned questionnaires, read from the TOML files beside this module.

A response stores the (code, version) it answered, so a later edit of a form never
changes how old answers are read: add `short-v2.toml` instead of editing `short-v1.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from feedback import sipas
from feedback.msgid import N_
from feedback.vi_order import ProcedureGroups, group_procedures, vi_sort_key

__all__ = ["ProcedureGroups", "group_procedures", "vi_sort_key"]  # kept here for the survey

FOLDER = Path(__file__).parent / "questionnaires"

#: The bands a citizen can choose: they do not overlap, and a minor has a band of their own
#: (a 17-year-old collecting a birth certificate for a sibling does happen).
#: How a response came in (models.survey.CHANNELS).
CHANNEL_LABELS: dict[str, str] = {
    "qr": N_("Quét mã QR"), "paper": N_("Phiếu giấy"), "tablet": N_("Máy tính bảng"),
}
AGE_BANDS: dict[str, str] = {
    "under18": N_("Dưới 18 tuổi"),
    "18-24": N_("18–24 tuổi"),
    "25-34": N_("25–34 tuổi"),
    "35-49": N_("35–49 tuổi"),
    "50-59": N_("50–59 tuổi"),
    "60+": N_("Từ 60 tuổi trở lên"),
}
#: Codes stored by the first form version, whose bands overlapped at 25 and 50. They are
#: never offered again but stay readable, labelled as they were asked, in lists and exports.
LEGACY_AGE_BANDS: dict[str, str] = {
    "18-25": N_("18–25 tuổi"),
    "50-60": N_("50–60 tuổi"),
}
AGE_LABELS: dict[str, str] = {**AGE_BANDS, **LEGACY_AGE_BANDS}
RESPONDENT_TYPES: dict[str, str] = {
    "person": N_("Cá nhân"),
    "organisation": N_("Tổ chức"),
    "business": N_("Doanh nghiệp"),
}


def age_label(code: str | None) -> str:
    """The label of a stored age band, old codes included; an unknown code shows as is."""
    if not code:
        return ""
    return AGE_LABELS.get(code, code)


@dataclass(frozen=True)
class Questionnaire:
    code: str
    id: int
    version: int
    title: str
    intro: str
    scale: str
    items: tuple[str, ...]
    yesno: tuple[str, ...]
    profile: tuple[str, ...]
    headings: bool = False  # element headings help on the long form, only lengthen short ones

    @property
    def scale_labels(self) -> dict[int, str]:
        return sipas.SAT3 if self.scale == "SAT3" else sipas.SAT5

    def label(self, item: str) -> str:
        if item in sipas.ITEMS:
            return sipas.ITEMS[item]
        if item in sipas.YESNO_ITEMS:
            return sipas.YESNO_ITEMS[item]
        return self.title

    def elements(self) -> list[tuple[str, list[str]]]:
        """Items grouped by element, in form order, for fieldset headings."""
        groups: dict[str, list[str]] = {}
        for item in self.items:
            groups.setdefault(sipas.element_of(item), []).append(item)
        return [(sipas.ELEMENTS.get(k, ""), v) for k, v in groups.items()]


def _load(path: Path) -> Questionnaire:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    q = Questionnaire(
        code=data["code"], id=int(data["id"]), version=int(data["version"]),
        title=data["title"], intro=data.get("intro", ""), scale=data["scale"],
        items=tuple(data["items"]), yesno=tuple(data.get("yesno", ())),
        profile=tuple(data.get("profile", ())), headings=bool(data.get("headings", False)),
    )
    for item in (*q.items, *q.yesno):
        sipas.scale_of(item)  # raises KeyError for an unknown item code
    return q


@cache
def all_versions() -> tuple[Questionnaire, ...]:
    return tuple(sorted((_load(p) for p in FOLDER.glob("*.toml")),
                        key=lambda q: (q.id, q.version)))


def current(code: str) -> Questionnaire:
    """The newest version of a form; KeyError for an unknown code."""
    versions = [q for q in all_versions() if q.code == code]
    if not versions:
        raise KeyError(code)
    return versions[-1]


def by_id(questionnaire_id: int) -> Questionnaire:
    for q in reversed(all_versions()):
        if q.id == questionnaire_id:
            return q
    raise KeyError(questionnaire_id)


def codes() -> list[tuple[str, str]]:
    """(code, title) of each form's newest version, for staff select boxes."""
    seen: dict[str, str] = {}
    for q in all_versions():
        seen[q.code] = q.title
    return list(seen.items())
