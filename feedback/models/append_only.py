"""History tables: a row, once written, is never changed or removed through the ORM.

The petition figures are recomputed from the event log and the audit log is the office's
record of who changed what; both are only trustworthy if no code path can rewrite them.
A flush that would update or delete such a row fails loudly instead (tests empty the
tables with plain SQL, which these hooks do not see)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event


class AppendOnlyError(RuntimeError):
    """A history row was about to be changed or deleted: a programming error."""


def _refuse(_mapper: Any, _connection: Any, target: Any) -> None:
    raise AppendOnlyError(f"{type(target).__name__} rows are append-only")


def append_only(model: type) -> type:
    """Class decorator: refuse ORM updates and deletes of `model`'s rows."""
    event.listen(model, "before_update", _refuse)
    event.listen(model, "before_delete", _refuse)
    return model
