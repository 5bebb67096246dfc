"""The counts on columns (`figures.count`, numpy) against the definition written one
petition at a time, as DOMAIN §4 states it: thousands of random petitions around a
period's bounds, in several periods, finished and running, with every outcome, pauses,
ratings and reply dates on the period's last day. The one-at-a-time version below was
the app's own count before a province's year (100,000 petitions, fifteen periods) made it
too slow; it stays here as the reference."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback.petitions import figures, rules
from feedback.petitions.figures import ANSWERED, REJECTED, TRANSFERRED, Fact, Figures
from feedback.reports.periods import Period
from feedback.workdays import Calendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = Calendar()


def one_by_one(facts: list[Fact], start: datetime, end: datetime, *,
               now: datetime | None = None) -> Figures:
    """The reference: each petition in turn, by its state at the period's end."""
    last_day = (end - timedelta(seconds=1)).astimezone(TZ).date()
    finished = now is None or now >= end
    judged_on = last_day if finished or now is None else now.astimezone(TZ).date()
    out = Figures()
    channels: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    late: list[tuple[str, date, date, bool]] = []
    for fact in facts:
        if fact.received_at >= end:
            continue
        if fact.closed_at is not None and fact.closed_at < start:
            continue  # settled before the period
        closed = fact.closed_as if fact.closed_at is not None and fact.closed_at < end else None
        if fact.kind != rules.PAKN:
            out.gop_y += fact.received_at >= start
            continue
        if fact.received_at < start:
            out.carried_over += 1
        else:
            out.received += 1
            channels[fact.channel] += 1
            categories[str(fact.category) if fact.category else "none"] += 1
        closed_day = fact.closed_at.astimezone(TZ).date() if fact.closed_at else None
        if closed == REJECTED:
            out.not_accepted += 1
            if closed_day is not None and closed_day > fact.reply_due:
                out.not_accepted_late += 1
                late.append((fact.code, fact.reply_due, closed_day, False))
        elif closed == TRANSFERRED:
            out.transferred += 1
            if fact.on_time is False and closed_day is not None:
                out.transferred_late += 1
                late.append((fact.code, fact.transfer_due or fact.reply_due, closed_day, False))
        elif closed == ANSWERED and closed_day is not None:
            if fact.on_time:
                out.answered_on_time += 1
            else:
                out.answered_late += 1
                late.append((fact.code, fact.reply_due, closed_day, False))
            if fact.rating is not None:
                out.rated += 1
                out.rated_unsatisfied += fact.rating == rules.RATING_UNSATISFIED
            out.unsatisfied_or_late += (not fact.on_time) or (
                fact.rating == rules.RATING_UNSATISFIED)
        elif rules.overdue(fact.reply_due, judged_on, fact.paused_on, day_over=finished):
            out.open_overdue += 1
            late.append((fact.code, fact.reply_due, judged_on, True))
        else:
            out.open_in_time += 1
    out.received_by_channel = dict(sorted(channels.items()))
    out.received_by_category = dict(sorted(categories.items()))
    out.late_items = [figures.LateItem(
        code=code, unit="", status="", received_at=start, reply_due=due, answered_at=None,
        days_late=max(CAL.working_days_between(due, day), 1), reason=None)
        for code, due, day, _open in late]
    return out


def random_facts(rng: random.Random, around: Period, n: int) -> list[Fact]:
    """Petitions received from two months before the period to a week after it, closed
    (or not) any time up to two months later; instants often exactly on a bound."""
    start, end = around.bounds(TZ)
    first = start - timedelta(days=60)
    span = (end + timedelta(days=7) - first).total_seconds()
    bounds = [start, end, start - timedelta(seconds=1), end - timedelta(seconds=1)]

    def instant(after: datetime) -> datetime:
        if rng.random() < 0.1:
            picked = rng.choice(bounds)
            if picked >= after:
                return picked
        return after + timedelta(seconds=rng.random() * span / 2)

    out = []
    for i in range(n):
        received = (rng.choice(bounds) if rng.random() < 0.05
                    else first + timedelta(seconds=rng.random() * span)).astimezone(TZ)
        received_day = received.date()
        reply_due = received_day + timedelta(days=rng.randrange(-3, 45))
        if rng.random() < 0.1:  # due on the period's last day: overdue only once it is over
            reply_due = around.last
        closed_as = rng.choice([None, None, ANSWERED, ANSWERED, REJECTED, TRANSFERRED])
        closed_at = instant(received).astimezone(TZ) if closed_as else None
        transfer_due = received_day + timedelta(days=rng.randrange(0, 10))
        on_time = None
        if closed_at is not None and closed_as in (ANSWERED, TRANSFERRED):
            due = reply_due if closed_as == ANSWERED else transfer_due
            on_time = closed_at.date() <= due
        paused_on = (received_day + timedelta(days=rng.randrange(0, 40))
                     if closed_as is None and rng.random() < 0.2 else None)
        out.append(Fact(
            code=f"P{i:05d}", unit=rng.choice(["xa-a", "xa-b"]),
            kind=rules.PAKN if rng.random() < 0.9 else rules.GOP_Y,
            channel=rng.choice(["web", "paper", "hotline", "zalo"]),
            category=rng.choice([None, 1, 2, 8]), received_at=received,
            reply_due=reply_due, closed_as=closed_as,
            transfer_due=transfer_due if rng.random() < 0.9 else None,
            closed_at=closed_at, on_time=on_time,
            rating=rng.choice([None, 1, 2, 3]) if closed_as == ANSWERED else None,
            reason=None, status=closed_as or "in_progress", paused_on=paused_on))
    return out


PERIODS = [Period(date(2026, 3, 1), date(2026, 3, 31)),
           Period(date(2026, 1, 1), date(2026, 3, 31)),
           Period(date(2025, 12, 1), date(2025, 12, 31))]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.first}-{p.last}")
def test_the_columns_count_as_the_definition(seed: int, period: Period) -> None:
    rng = random.Random(seed)
    facts = random_facts(rng, period, 1500)
    start, end = period.bounds(TZ)
    # Finished, and still running on three days of it (mid-period, its last day, and
    # one instant before its end).
    for now in (None, start + (end - start) / 2, end - timedelta(hours=3),
                end - timedelta(seconds=1)):
        got = figures.count(facts, start, end, calendar=CAL, tz=TZ, now=now)
        want = one_by_one(facts, start, end, now=now)
        got_late = sorted((i.code, i.reply_due, i.days_late) for i in got.late_items)
        want_late = sorted((i.code, i.reply_due, i.days_late) for i in want.late_items)
        got.late_items, want.late_items = [], []
        assert got.as_dict() == want.as_dict(), now
        assert got_late == want_late, now
        assert want.open_overdue and want.answered_late and want.not_accepted_late


def test_the_groups_add_up_to_the_whole() -> None:
    """figures_by's groups: each unit's counts, and together the whole; a unit in no group
    is left out."""
    facts = random_facts(random.Random(7), PERIODS[0], 2000)
    start, end = PERIODS[0].bounds(TZ)
    rows = figures.Rows.from_facts(facts, TZ)
    groups = {"xa-a": 0, "xa-b": 1}
    a, b = figures.tally(rows, start, end, tz=TZ, size=2,
                         groups=figures.np.asarray([groups[u] for u in rows.units])[rows.unit])
    for name, part in (("xa-a", a), ("xa-b", b)):
        alone = figures.count([f for f in facts if f.unit == name], start, end,
                              calendar=CAL, tz=TZ, detail=False)
        assert part.as_dict() == alone.as_dict()
    whole = figures.count(facts, start, end, calendar=CAL, tz=TZ, detail=False)
    assert a.received + b.received == whole.received > 0
    only_a = figures.tally(rows, start, end, tz=TZ, size=1, groups=figures.np.asarray(
        [0 if u == "xa-a" else -1 for u in rows.units])[rows.unit])[0]
    assert only_a.as_dict() == a.as_dict()


def test_no_petitions() -> None:
    start, end = PERIODS[0].bounds(TZ)
    out = figures.count([], start, end, calendar=CAL, tz=TZ)
    assert out.as_dict() == Figures().as_dict()
    assert out.on_time_rate is None


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "Europe/Paris", "America/New_York"])
def test_local_days_across_a_change_of_offset(zone: str) -> None:
    """The local date of each instant, also on the days a zone changes its clocks (the
    app's zone has none, but it is a setting)."""
    tz = ZoneInfo(zone)
    base = datetime(2026, 3, 7, tzinfo=tz)
    instants = [base + timedelta(minutes=17 * k) for k in range(60 * 24 * 50 // 17)]
    numbers = figures.np.asarray([figures.seconds(i) for i in instants])
    want = [figures.day_number(i.astimezone(tz).date()) for i in instants]
    assert figures.local_days(numbers, tz).tolist() == want


@pytest.mark.parametrize("first", [0, 1, 7, 50, 5000])
def test_the_first_rows_of_the_late_list_are_its_head(first: int) -> None:
    """A page asks for the late list's first rows only: they are the whole list's first
    rows, also where several petitions share the second of receipt (ordered then by the
    microsecond and the code), and only those rows' details are read."""
    rng = random.Random(11)
    facts = random_facts(rng, PERIODS[1], 1500)
    # Ties at the head of the list: petitions received in its first second, a few
    # microseconds apart or not at all.
    tied = min(f.received_at for f in facts).replace(microsecond=0) - timedelta(seconds=1)
    facts += [replace(f, code=f"T{k:03d}", received_at=tied + timedelta(microseconds=k % 3))
              for k, f in enumerate(facts[1:40])]
    start, end = PERIODS[1].bounds(TZ)
    rows = figures.Rows.from_facts(facts, TZ)
    asked: list[int] = []

    def shown(ids: list[int]) -> dict[int, figures.Shown]:
        asked.extend(ids)
        return {i: figures.Shown(facts[i].code, facts[i].status, facts[i].received_at,
                                 facts[i].closed_at, facts[i].reason) for i in ids}

    whole = figures.count_rows(rows, start, end, calendar=CAL, tz=TZ, shown=shown).late_items
    asked.clear()
    head = figures.count_rows(rows, start, end, calendar=CAL, tz=TZ, shown=shown,
                              first=first).late_items
    assert head == whole[:first]
    assert len(asked) <= max(first + 40, 1) or first >= len(whole)
    counted = figures.count(facts, start, end, calendar=CAL, tz=TZ)
    assert counted.late_total == len(whole) > 100
