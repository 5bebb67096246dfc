"""Constants shared by test modules (conftest fixtures cannot be imported)."""

PASSWORD = "correct horse battery"
