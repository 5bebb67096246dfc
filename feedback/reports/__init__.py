"""Figures for the office: SQL aggregates → pure arithmetic (sipas) → pages and files."""
