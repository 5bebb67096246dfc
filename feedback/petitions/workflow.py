"""The petition (PAKN) workflow as data: states, actions, who may do what (DOMAIN §4).

One table says, for every action, the states it starts from, the state it leads to, the
roles allowed and the fields it needs; `check` reads it and either returns the
`Transition` or raises a `WorkflowError` with a stable code. The staff pages, the JSON API
and the CLI all go through `check`, so they cannot disagree.

Unit scope is deliberately not here: whether the petition belongs to the actor's unit
subtree is a database question the service answers first (404 when not). This module
knows only roles and one fact about the actor: whether the petition is assigned to them.

Messages are Vietnamese source strings marked with `N_`; the caller translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from feedback.msgid import N_


class State(StrEnum):
    RECEIVED = "received"  # registered (vào sổ), not yet classified
    REJECTED = "rejected"  # không tiếp nhận (Đ7, Đ9): reason recorded
    IN_PROGRESS = "in_progress"  # accepted, classified, assigned: the reply clock runs
    TRANSFERRED = "transferred"  # outside our competence, sent to the competent body
    WAITING_CITIZEN = "waiting_citizen"  # asked the sender for more: the clock is paused
    ANSWERED = "answered"  # replied to the sender
    PUBLISHED = "published"  # the redacted answer is public
    ARCHIVED = "archived"  # closed for good


class Action(StrEnum):
    """In the order an inbox offers them as "next action"."""

    ACCEPT = "accept"
    REJECT = "reject"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    WAIT = "wait"
    RESUME = "resume"
    ANSWER = "answer"
    EXTEND = "extend"
    PUBLISH = "publish"
    ARCHIVE = "archive"
    NOTE = "note"


ROLES: tuple[str, ...] = ("admin", "leader", "officer", "viewer")
"""The same role names as `feedback.models.users.ROLES` (not imported: this module is pure)."""

STATE_LABELS: dict[State, str] = {
    State.RECEIVED: N_("Mới tiếp nhận"),
    State.REJECTED: N_("Không tiếp nhận"),
    State.IN_PROGRESS: N_("Đang xử lý"),
    State.TRANSFERRED: N_("Đã chuyển cơ quan có thẩm quyền"),
    State.WAITING_CITIZEN: N_("Chờ người gửi bổ sung"),
    State.ANSWERED: N_("Đã trả lời"),
    State.PUBLISHED: N_("Đã công khai kết quả"),
    State.ARCHIVED: N_("Đã lưu trữ"),
}

ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: N_("Tiếp nhận và phân công"),
    Action.REJECT: N_("Không tiếp nhận"),
    Action.TRANSFER: N_("Chuyển cơ quan có thẩm quyền"),
    Action.ASSIGN: N_("Phân công lại"),
    Action.WAIT: N_("Đề nghị người gửi bổ sung"),
    Action.RESUME: N_("Tiếp tục xử lý"),
    Action.ANSWER: N_("Trả lời"),
    Action.EXTEND: N_("Gia hạn"),
    Action.PUBLISH: N_("Công khai kết quả"),
    Action.ARCHIVE: N_("Lưu trữ"),
    Action.NOTE: N_("Ghi chú nội bộ"),
}

MISSING_FIELD_MESSAGES: dict[str, str] = {
    "category": N_("Vui lòng chọn phân loại nội dung phản ánh, kiến nghị."),
    "assignee": N_("Vui lòng chọn cán bộ xử lý."),
    "reason": N_("Vui lòng nhập lý do."),
    "receiving_body": N_("Vui lòng nhập cơ quan có thẩm quyền nhận chuyển."),
    "note": N_("Vui lòng nhập nội dung ghi chú."),
    "answer": N_("Vui lòng nhập nội dung trả lời."),
    "public_text": N_(
        "Vui lòng nhập nội dung công khai (đã lược bỏ thông tin cá nhân của người gửi)."
    ),
}


@dataclass(frozen=True)
class Rule:
    """One action: from which states, to which state (None: stays), who, what it needs."""

    sources: frozenset[State]
    target: State | None
    roles: frozenset[str]
    required: tuple[str, ...] = ()
    officer_must_be_assignee: bool = False


_MANAGERS = frozenset({"admin", "leader"})
_STAFF = _MANAGERS | {"officer"}
_HANDLING = frozenset({State.IN_PROGRESS, State.WAITING_CITIZEN})

RULES: dict[Action, Rule] = {
    # Officers receive at the counter, so they may accept or turn a petition away
    # (of their own unit: the service checks scope); assigning work stays with leaders.
    Action.ACCEPT: Rule(
        frozenset({State.RECEIVED}), State.IN_PROGRESS, _STAFF, ("category", "assignee")
    ),
    Action.REJECT: Rule(frozenset({State.RECEIVED}), State.REJECTED, _STAFF, ("reason",)),
    Action.TRANSFER: Rule(
        frozenset({State.RECEIVED, State.IN_PROGRESS}),
        State.TRANSFERRED,
        _MANAGERS,
        ("receiving_body", "reason"),
    ),
    Action.ASSIGN: Rule(frozenset({State.IN_PROGRESS}), None, _MANAGERS, ("assignee",)),
    Action.WAIT: Rule(
        frozenset({State.IN_PROGRESS}), State.WAITING_CITIZEN, _STAFF, ("note",), True
    ),
    Action.RESUME: Rule(frozenset({State.WAITING_CITIZEN}), State.IN_PROGRESS, _STAFF, (), True),
    Action.ANSWER: Rule(frozenset({State.IN_PROGRESS}), State.ANSWERED, _STAFF, ("answer",), True),
    # Once per petition (tracked by the caller as `already_extended`); the sender is told.
    Action.EXTEND: Rule(_HANDLING, None, _MANAGERS, ("reason",)),
    Action.PUBLISH: Rule(frozenset({State.ANSWERED}), State.PUBLISHED, _MANAGERS, ("public_text",)),
    Action.ARCHIVE: Rule(
        frozenset({State.PUBLISHED, State.REJECTED, State.TRANSFERRED}),
        State.ARCHIVED,
        _MANAGERS,
    ),
    Action.NOTE: Rule(frozenset(State) - {State.ARCHIVED}, None, _STAFF, ("note",)),
}

CLOCK_STOPPED: frozenset[State] = frozenset({State.WAITING_CITIZEN})
"""States in which the reply clock is paused (the pause ends on `resume`)."""

OPEN: frozenset[State] = frozenset({State.RECEIVED, State.IN_PROGRESS, State.WAITING_CITIZEN})
"""Still owed a reply: open in time or open overdue, by the due date."""


class Outcome(StrEnum):
    """How a petition counts in the figures (DOMAIN §4, issue 7's stats).

    - OPEN: counted in the on-time rate only once overdue (open overdue).
    - ANSWERED: answered, published, or archived after publishing; on time when the
      reply date is on or before the (paused and extended) due date, else late. Both
      count in the on-time rate.
    - TRANSFERRED: out of our competence and handed on; handled, judged on time against
      the transfer deadline and reported apart, never in the reply on-time rate.
    - NOT_ACCEPTED: rejected (không tiếp nhận); neither on time nor late, reported apart.
    """

    OPEN = "open"
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    NOT_ACCEPTED = "not_accepted"


_OUTCOMES: dict[State, Outcome] = {
    State.RECEIVED: Outcome.OPEN,
    State.IN_PROGRESS: Outcome.OPEN,
    State.WAITING_CITIZEN: Outcome.OPEN,
    State.ANSWERED: Outcome.ANSWERED,
    State.PUBLISHED: Outcome.ANSWERED,
    State.TRANSFERRED: Outcome.TRANSFERRED,
    State.REJECTED: Outcome.NOT_ACCEPTED,
}


def outcome(state: str, archived_from: str | None = None) -> Outcome:
    """How a petition counts. An archived one counts as the state it was archived from,
    which the caller reads from the event log."""
    current = _state(state)
    if current is State.ARCHIVED:
        if archived_from is None:
            raise ValueError("an archived petition counts as the state it was archived from")
        before = _state(archived_from)
        if before not in RULES[Action.ARCHIVE].sources:
            raise ValueError(f"a petition cannot be archived from {before}")
        return _OUTCOMES[before]
    return _OUTCOMES[current]


class WorkflowError(Exception):
    """A refused action. `code` is stable (API clients and tests match it); `message` is a
    Vietnamese source string for the person who tried."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Transition:
    """What an allowed action does; the service records it as an append-only event."""

    action: Action
    source: State
    target: State

    @property
    def changes_state(self) -> bool:
        return self.source is not self.target

    @property
    def starts_pause(self) -> bool:
        return self.target in CLOCK_STOPPED and self.source not in CLOCK_STOPPED

    @property
    def ends_pause(self) -> bool:
        return self.source in CLOCK_STOPPED and self.target not in CLOCK_STOPPED

    @property
    def uses_extension(self) -> bool:
        return self.action is Action.EXTEND


#: A refusal's HTTP status by its code (the part before ":field"); any other code is a
#: missing or bad field (422). The pages and the API answer alike.
REFUSAL_STATUS: dict[str, int] = {
    "forbidden_role": 403,
    "not_assignee": 403,
    "not_allowed_from_state": 409,
    "already_extended": 409,
    "deadline_passed": 409,
    "conflict": 409,
    "unknown_state": 409,
}


def refusal_status(code: str) -> int:
    return REFUSAL_STATUS.get(code.split(":", 1)[0], 422)


def _state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        raise WorkflowError("unknown_state", N_("Trạng thái không hợp lệ.")) from None


def _action(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        raise WorkflowError("unknown_action", N_("Thao tác không hợp lệ.")) from None


def _present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def check(
    state: str,
    action: str,
    *,
    role: str,
    is_assignee: bool,
    already_extended: bool,
    fields: Mapping[str, object] | None = None,
) -> Transition:
    """The transition `action` makes from `state`, or WorkflowError saying why not.

    Checked in this order, so one attempt always gets the same, most useful refusal:
    the role may never do this (`forbidden_role`, a 403) → not from this state
    (`not_allowed_from_state`) → an officer not assigned to the petition
    (`not_assignee`, a 403) → a second extension (`already_extended`) → the first
    missing field (`missing_field:<name>`). A blank string counts as missing.
    """
    current, wanted = _state(state), _action(action)
    rule = RULES[wanted]
    if role not in rule.roles:
        raise WorkflowError(
            "forbidden_role", N_("Vai trò của bạn không được thực hiện thao tác này.")
        )
    if current not in rule.sources:
        raise WorkflowError(
            "not_allowed_from_state",
            N_("Không thể thực hiện thao tác này ở trạng thái hiện tại của phản ánh, kiến nghị."),
        )
    if rule.officer_must_be_assignee and role == "officer" and not is_assignee:
        raise WorkflowError(
            "not_assignee", N_("Chỉ cán bộ được phân công mới thực hiện được thao tác này.")
        )
    if wanted is Action.EXTEND and already_extended:
        raise WorkflowError(
            "already_extended", N_("Phản ánh, kiến nghị này đã được gia hạn một lần.")
        )
    given = fields or {}
    for name in rule.required:
        if not _present(given.get(name)):
            raise WorkflowError(f"missing_field:{name}", MISSING_FIELD_MESSAGES[name])
    return Transition(wanted, current, rule.target or current)


#: What usually comes next, most useful first: the inbox's "next action". Moving the work
#: forward (accept, resume, answer, publish, archive) comes before the side roads.
NEXT_PRIORITY: tuple[Action, ...] = (
    Action.ACCEPT, Action.RESUME, Action.ANSWER, Action.PUBLISH, Action.ARCHIVE,
    Action.ASSIGN, Action.REJECT, Action.TRANSFER, Action.WAIT, Action.EXTEND,
)


def next_action(state: str, role: str, is_assignee: bool, already_extended: bool) -> str | None:
    """The most useful action this person could take now, or None (a note is never "next")."""
    allowed = set(allowed_actions(state, role, is_assignee, already_extended))
    return next((a.value for a in NEXT_PRIORITY if a.value in allowed), None)


def allowed_actions(state: str, role: str, is_assignee: bool, already_extended: bool) -> list[str]:
    """What this person could do next (fields aside), in `Action` order: the inbox's
    "next action" and the buttons on a petition's page."""
    allowed: list[str] = []
    for action, rule in RULES.items():
        filled = dict.fromkeys(rule.required, True)
        try:
            check(
                state,
                action,
                role=role,
                is_assignee=is_assignee,
                already_extended=already_extended,
                fields=filled,
            )
        except WorkflowError as refused:
            if refused.code in {"unknown_state", "unknown_action"}:
                raise
            continue
        allowed.append(action.value)
    return allowed
