"""The petition state machine: every (state, action, role) against a table written by hand
from issue 7 and DOMAIN §4, then required fields, the single extension and the figures."""

from __future__ import annotations

import itertools

import pytest

from feedback.petitions import workflow
from feedback.petitions.workflow import (
    MISSING_FIELD_MESSAGES,
    RULES,
    Action,
    Outcome,
    State,
    WorkflowError,
    allowed_actions,
    check,
)

# Columns: admin, leader, officer assigned to the petition, officer not assigned, viewer.
# A state name is where the action leads; "=" stays in the same state; ROLE, STATE and
# ASSIGN are the refusals forbidden_role, not_allowed_from_state and not_assignee.
EXPECTED = """
received        accept    in_progress      in_progress      in_progress      in_progress  ROLE
received        reject    rejected         rejected         rejected         rejected     ROLE
received        transfer  transferred      transferred      ROLE             ROLE         ROLE
received        assign    STATE            STATE            ROLE             ROLE         ROLE
received        wait      STATE            STATE            STATE            STATE        ROLE
received        resume    STATE            STATE            STATE            STATE        ROLE
received        answer    STATE            STATE            STATE            STATE        ROLE
received        extend    STATE            STATE            ROLE             ROLE         ROLE
received        publish   STATE            STATE            ROLE             ROLE         ROLE
received        archive   STATE            STATE            ROLE             ROLE         ROLE
received        note      =                =                =                =            ROLE
rejected        accept    STATE            STATE            STATE            STATE        ROLE
rejected        reject    STATE            STATE            STATE            STATE        ROLE
rejected        transfer  STATE            STATE            ROLE             ROLE         ROLE
rejected        assign    STATE            STATE            ROLE             ROLE         ROLE
rejected        wait      STATE            STATE            STATE            STATE        ROLE
rejected        resume    STATE            STATE            STATE            STATE        ROLE
rejected        answer    STATE            STATE            STATE            STATE        ROLE
rejected        extend    STATE            STATE            ROLE             ROLE         ROLE
rejected        publish   STATE            STATE            ROLE             ROLE         ROLE
rejected        archive   archived         archived         ROLE             ROLE         ROLE
rejected        note      =                =                =                =            ROLE
in_progress     accept    STATE            STATE            STATE            STATE        ROLE
in_progress     reject    STATE            STATE            STATE            STATE        ROLE
in_progress     transfer  transferred      transferred      ROLE             ROLE         ROLE
in_progress     assign    =                =                ROLE             ROLE         ROLE
in_progress     wait      waiting_citizen  waiting_citizen  waiting_citizen  ASSIGN       ROLE
in_progress     resume    STATE            STATE            STATE            STATE        ROLE
in_progress     answer    answered         answered         answered         ASSIGN       ROLE
in_progress     extend    =                =                ROLE             ROLE         ROLE
in_progress     publish   STATE            STATE            ROLE             ROLE         ROLE
in_progress     archive   STATE            STATE            ROLE             ROLE         ROLE
in_progress     note      =                =                =                =            ROLE
transferred     accept    STATE            STATE            STATE            STATE        ROLE
transferred     reject    STATE            STATE            STATE            STATE        ROLE
transferred     transfer  STATE            STATE            ROLE             ROLE         ROLE
transferred     assign    STATE            STATE            ROLE             ROLE         ROLE
transferred     wait      STATE            STATE            STATE            STATE        ROLE
transferred     resume    STATE            STATE            STATE            STATE        ROLE
transferred     answer    STATE            STATE            STATE            STATE        ROLE
transferred     extend    STATE            STATE            ROLE             ROLE         ROLE
transferred     publish   STATE            STATE            ROLE             ROLE         ROLE
transferred     archive   archived         archived         ROLE             ROLE         ROLE
transferred     note      =                =                =                =            ROLE
waiting_citizen accept    STATE            STATE            STATE            STATE        ROLE
waiting_citizen reject    STATE            STATE            STATE            STATE        ROLE
waiting_citizen transfer  STATE            STATE            ROLE             ROLE         ROLE
waiting_citizen assign    STATE            STATE            ROLE             ROLE         ROLE
waiting_citizen wait      STATE            STATE            STATE            STATE        ROLE
waiting_citizen resume    in_progress      in_progress      in_progress      ASSIGN       ROLE
waiting_citizen answer    STATE            STATE            STATE            STATE        ROLE
waiting_citizen extend    =                =                ROLE             ROLE         ROLE
waiting_citizen publish   STATE            STATE            ROLE             ROLE         ROLE
waiting_citizen archive   STATE            STATE            ROLE             ROLE         ROLE
waiting_citizen note      =                =                =                =            ROLE
answered        accept    STATE            STATE            STATE            STATE        ROLE
answered        reject    STATE            STATE            STATE            STATE        ROLE
answered        transfer  STATE            STATE            ROLE             ROLE         ROLE
answered        assign    STATE            STATE            ROLE             ROLE         ROLE
answered        wait      STATE            STATE            STATE            STATE        ROLE
answered        resume    STATE            STATE            STATE            STATE        ROLE
answered        answer    STATE            STATE            STATE            STATE        ROLE
answered        extend    STATE            STATE            ROLE             ROLE         ROLE
answered        publish   published        published        ROLE             ROLE         ROLE
answered        archive   STATE            STATE            ROLE             ROLE         ROLE
answered        note      =                =                =                =            ROLE
published       accept    STATE            STATE            STATE            STATE        ROLE
published       reject    STATE            STATE            STATE            STATE        ROLE
published       transfer  STATE            STATE            ROLE             ROLE         ROLE
published       assign    STATE            STATE            ROLE             ROLE         ROLE
published       wait      STATE            STATE            STATE            STATE        ROLE
published       resume    STATE            STATE            STATE            STATE        ROLE
published       answer    STATE            STATE            STATE            STATE        ROLE
published       extend    STATE            STATE            ROLE             ROLE         ROLE
published       publish   STATE            STATE            ROLE             ROLE         ROLE
published       archive   archived         archived         ROLE             ROLE         ROLE
published       note      =                =                =                =            ROLE
archived        accept    STATE            STATE            STATE            STATE        ROLE
archived        reject    STATE            STATE            STATE            STATE        ROLE
archived        transfer  STATE            STATE            ROLE             ROLE         ROLE
archived        assign    STATE            STATE            ROLE             ROLE         ROLE
archived        wait      STATE            STATE            STATE            STATE        ROLE
archived        resume    STATE            STATE            STATE            STATE        ROLE
archived        answer    STATE            STATE            STATE            STATE        ROLE
archived        extend    STATE            STATE            ROLE             ROLE         ROLE
archived        publish   STATE            STATE            ROLE             ROLE         ROLE
archived        archive   STATE            STATE            ROLE             ROLE         ROLE
archived        note      STATE            STATE            STATE            STATE        ROLE
"""

ACTORS = [
    ("admin", True),
    ("leader", False),
    ("officer", True),
    ("officer", False),
    ("viewer", True),
]
REFUSALS = {"ROLE": "forbidden_role", "STATE": "not_allowed_from_state", "ASSIGN": "not_assignee"}
ALL_FIELDS = {
    "category": 1,
    "assignee": 7,
    "reason": "lý do",
    "receiving_body": "Sở Tài nguyên và Môi trường",
    "note": "ghi chú",
    "answer": "nội dung trả lời",
    "public_text": "nội dung công khai",
}


def _expected() -> dict[tuple[str, str, str, bool], str]:
    table: dict[tuple[str, str, str, bool], str] = {}
    for line in EXPECTED.strip().splitlines():
        state, action, *cells = line.split()
        assert len(cells) == len(ACTORS), line
        for (role, assigned), cell in zip(ACTORS, cells, strict=True):
            outcome = state if cell == "=" else REFUSALS.get(cell, cell)
            table[(state, action, role, assigned)] = outcome
    return table


def _actual(state: str, action: str, role: str, assigned: bool, extended: bool = False) -> str:
    try:
        transition = check(
            state,
            action,
            role=role,
            is_assignee=assigned,
            already_extended=extended,
            fields=ALL_FIELDS,
        )
    except WorkflowError as refused:
        return refused.code
    return transition.target.value


def test_the_expected_table_covers_every_state_and_action_once() -> None:
    rows = [tuple(line.split()[:2]) for line in EXPECTED.strip().splitlines()]
    assert len(rows) == len(set(rows))
    assert set(rows) == set(itertools.product([s.value for s in State], [a.value for a in Action]))


def test_every_transition_and_every_refusal_matches_the_table() -> None:
    expected = _expected()
    actual = {
        (state.value, action.value, role, assigned): _actual(state, action, role, assigned)
        for state, action in itertools.product(State, Action)
        for role, assigned in ACTORS
    }
    mismatches = {k: (actual[k], v) for k, v in expected.items() if actual[k] != v}
    assert not mismatches
    assert actual == expected


def test_the_assignment_column_matters_only_to_officers() -> None:
    """The table checks admin assigned and leader not: the flag changes nothing for them."""
    for state, action in itertools.product(State, Action):
        for role in ("admin", "leader", "viewer"):
            assert _actual(state, action, role, True) == _actual(state, action, role, False)


# --- one extension per petition ------------------------------------------------------------


@pytest.mark.parametrize("state", ["in_progress", "waiting_citizen"])
@pytest.mark.parametrize("role", ["admin", "leader"])
def test_extend_once_only(state: str, role: str) -> None:
    first = check(
        state, "extend", role=role, is_assignee=False, already_extended=False, fields=ALL_FIELDS
    )
    assert first.target == state and first.uses_extension and not first.changes_state
    with pytest.raises(WorkflowError) as second:
        check(
            state, "extend", role=role, is_assignee=False, already_extended=True, fields=ALL_FIELDS
        )
    assert second.value.code == "already_extended"
    assert "gia hạn" in second.value.message


def test_already_extended_changes_only_extend() -> None:
    for state, action in itertools.product(State, Action):
        if action is Action.EXTEND:
            continue
        for role, assigned in ACTORS:
            assert _actual(state, action, role, assigned, extended=True) == _actual(
                state, action, role, assigned
            )


def test_a_wrong_state_is_reported_before_a_used_extension() -> None:
    with pytest.raises(WorkflowError) as refused:
        check("answered", "extend", role="leader", is_assignee=False, already_extended=True)
    assert refused.value.code == "not_allowed_from_state"


# --- required fields -------------------------------------------------------------------------

REQUIRED = [
    ("accept", "received", ("category", "assignee")),
    ("reject", "received", ("reason",)),
    ("transfer", "received", ("receiving_body", "reason")),
    ("transfer", "in_progress", ("receiving_body", "reason")),
    ("assign", "in_progress", ("assignee",)),
    ("wait", "in_progress", ("note",)),
    ("resume", "waiting_citizen", ()),
    ("answer", "in_progress", ("answer",)),
    ("extend", "in_progress", ("reason",)),
    ("publish", "answered", ("public_text",)),
    ("archive", "published", ()),
    ("note", "received", ("note",)),
]


@pytest.mark.parametrize(("action", "state", "required"), REQUIRED)
def test_required_fields(action: str, state: str, required: tuple[str, ...]) -> None:
    assert RULES[Action(action)].required == required
    for name in required:
        for missing in (None, "", "   "):
            fields = {**ALL_FIELDS, name: missing}
            if missing is None:
                del fields[name]
            with pytest.raises(WorkflowError) as refused:
                check(
                    state,
                    action,
                    role="leader",
                    is_assignee=True,
                    already_extended=False,
                    fields=fields,
                )
            assert refused.value.code == f"missing_field:{name}"
            assert refused.value.message == MISSING_FIELD_MESSAGES[name]
    only_required = {name: ALL_FIELDS[name] for name in required}
    transition = check(
        state, action, role="leader", is_assignee=True, already_extended=False, fields=only_required
    )
    assert transition.action == action


def test_no_fields_at_all_reports_the_first_required_one() -> None:
    with pytest.raises(WorkflowError) as refused:
        check("received", "transfer", role="admin", is_assignee=False, already_extended=False)
    assert refused.value.code == "missing_field:receiving_body"


def test_refusals_come_in_vietnamese_and_a_role_refusal_before_fields() -> None:
    with pytest.raises(WorkflowError) as refused:
        check("answered", "publish", role="officer", is_assignee=True, already_extended=False)
    assert refused.value.code == "forbidden_role"
    assert "Vai trò của bạn" in str(refused.value)


@pytest.mark.parametrize(
    ("state", "action", "role", "code"),
    [
        ("closed", "note", "admin", "unknown_state"),
        ("received", "delete", "admin", "unknown_action"),
        ("received", "accept", "superuser", "forbidden_role"),
        ("received", "accept", "", "forbidden_role"),
    ],
)
def test_unknown_input_is_refused(state: str, action: str, role: str, code: str) -> None:
    with pytest.raises(WorkflowError) as refused:
        check(state, action, role=role, is_assignee=True, already_extended=False, fields=ALL_FIELDS)
    assert refused.value.code == code


# --- what a transition means for the clock ---------------------------------------------------


def test_the_clock_stops_only_while_waiting_for_the_citizen() -> None:
    assert frozenset({State.WAITING_CITIZEN}) == workflow.CLOCK_STOPPED
    wait = check(
        "in_progress", "wait", role="officer", is_assignee=True, already_extended=False,
        fields={"note": "xin bổ sung giấy tờ"},
    )  # fmt: skip
    resume = check("waiting_citizen", "resume", role="officer", is_assignee=True,
                   already_extended=False)  # fmt: skip
    note = check("waiting_citizen", "note", role="officer", is_assignee=False,
                 already_extended=False, fields={"note": "đã gọi điện"})  # fmt: skip
    assert (wait.starts_pause, wait.ends_pause) == (True, False)
    assert (resume.starts_pause, resume.ends_pause) == (False, True)
    assert (note.starts_pause, note.ends_pause, note.changes_state) == (False, False, False)


# --- next actions for the inbox --------------------------------------------------------------

NEXT = [
    ("received", "officer", False, False, ["accept", "reject", "note"]),
    ("received", "leader", False, False, ["accept", "reject", "transfer", "note"]),
    ("in_progress", "officer", True, False, ["wait", "answer", "note"]),
    ("in_progress", "officer", False, False, ["note"]),
    (
        "in_progress",
        "leader",
        False,
        False,
        ["transfer", "assign", "wait", "answer", "extend", "note"],
    ),
    ("in_progress", "leader", False, True, ["transfer", "assign", "wait", "answer", "note"]),
    ("waiting_citizen", "officer", True, True, ["resume", "note"]),
    ("waiting_citizen", "admin", False, False, ["resume", "extend", "note"]),
    ("answered", "leader", False, False, ["publish", "note"]),
    ("answered", "officer", True, False, ["note"]),
    ("published", "admin", False, False, ["archive", "note"]),
    ("rejected", "leader", False, False, ["archive", "note"]),
    ("archived", "admin", False, False, []),
    ("received", "viewer", True, False, []),
]


@pytest.mark.parametrize(("state", "role", "assigned", "extended", "expected"), NEXT)
def test_allowed_actions(
    state: str, role: str, assigned: bool, extended: bool, expected: list[str]
) -> None:
    assert allowed_actions(state, role, assigned, extended) == expected


def test_allowed_actions_agree_with_check_everywhere() -> None:
    for state, (role, assigned), extended in itertools.product(State, ACTORS, (False, True)):
        permitted = [
            action.value
            for action in Action
            if _actual(state, action, role, assigned, extended) not in REFUSALS.values()
            and _actual(state, action, role, assigned, extended) != "already_extended"
        ]
        assert allowed_actions(state, role, assigned, extended) == permitted


def test_allowed_actions_refuses_an_unknown_state() -> None:
    with pytest.raises(WorkflowError):
        allowed_actions("lost", "admin", True, False)


# --- how a petition counts in the figures ----------------------------------------------------

OUTCOMES = [
    ("received", None, Outcome.OPEN),
    ("in_progress", None, Outcome.OPEN),
    ("waiting_citizen", None, Outcome.OPEN),
    ("answered", None, Outcome.ANSWERED),
    ("published", None, Outcome.ANSWERED),
    ("archived", "published", Outcome.ANSWERED),
    ("transferred", None, Outcome.TRANSFERRED),
    ("archived", "transferred", Outcome.TRANSFERRED),
    ("rejected", None, Outcome.NOT_ACCEPTED),
    ("archived", "rejected", Outcome.NOT_ACCEPTED),
]


@pytest.mark.parametrize(("state", "archived_from", "expected"), OUTCOMES)
def test_outcome(state: str, archived_from: str | None, expected: Outcome) -> None:
    assert workflow.outcome(state, archived_from) is expected


@pytest.mark.parametrize("archived_from", [None, "in_progress", "answered"])
def test_an_archived_petition_needs_a_state_it_could_be_archived_from(
    archived_from: str | None,
) -> None:
    with pytest.raises(ValueError, match="archived"):
        workflow.outcome("archived", archived_from)


def test_every_state_and_action_has_a_vietnamese_label() -> None:
    assert set(workflow.STATE_LABELS) == set(State)
    assert set(workflow.ACTION_LABELS) == set(Action)
    assert {f for rule in RULES.values() for f in rule.required} == set(MISSING_FIELD_MESSAGES)


@pytest.mark.parametrize(("state", "role", "assignee", "expected"), [
    ("received", "officer", False, "accept"),
    ("in_progress", "officer", True, "answer"),
    ("in_progress", "officer", False, None),
    ("in_progress", "leader", False, "answer"),
    ("waiting_citizen", "officer", True, "resume"),
    ("answered", "leader", False, "publish"),
    ("answered", "officer", True, None),
    ("published", "admin", False, "archive"),
    ("archived", "leader", False, None),
    ("received", "viewer", False, None),
])
def test_next_action_moves_the_work_forward(state: str, role: str, assignee: bool,
                                            expected: str | None) -> None:
    assert workflow.next_action(state, role, assignee, False) == expected
