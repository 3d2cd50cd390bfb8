"""English: short dates that no reader can take for another day (7 Dec 2026, not 12/07/2026)."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
