"""A personal iCalendar feed of one's meetings, at a secret-token URL the person can regenerate."""
