"""Petitions (phản ánh, kiến nghị — PAKN): intake, tracking, staff workflow and its clock."""
