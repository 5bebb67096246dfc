"""Staff pages for petitions: the inbox, one petition and its actions, paper entry."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("petitions", __name__, url_prefix="/staff/petitions")
