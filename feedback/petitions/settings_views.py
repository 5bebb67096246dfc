"""Staff pages for the SLA clock's settings: the calendar table and units' SLA profiles."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("petition_settings", __name__, url_prefix="/staff")
