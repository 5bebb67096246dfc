"""`/api/v1/petitions…`: the same petitions, actions and figures as the staff pages."""

from __future__ import annotations

from feedback.api.views import bp

__all__ = ["bp"]
