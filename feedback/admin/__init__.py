"""Staff settings: units, counters and their QR links."""
