"""The citizen's side of petitions: file one, track it, read published answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pakn", __name__)
