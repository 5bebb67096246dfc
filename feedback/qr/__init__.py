"""QR codes and printable posters that lead citizens to the feedback survey."""
