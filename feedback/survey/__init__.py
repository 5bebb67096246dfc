"""The citizen's satisfaction survey: QR entry, the form, paper entry by staff."""
