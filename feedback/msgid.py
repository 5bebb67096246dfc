"""`N_`: marks a Vietnamese source string for the translation catalogue where it is
defined (`pybabel extract -k N_`, see the Makefile's `messages` target); the code that
shows it translates it then, in the locale of that request.

Pure and tiny on purpose, so pure modules (`sipas`, the tree rules) and Flask modules
alike take the one definition without pulling Flask in.
"""

from __future__ import annotations

__all__ = ["N_"]


def N_(text: str) -> str:
    return text
