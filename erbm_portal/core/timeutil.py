"""Dates shown to people are in Europe/Paris; stored datetimes are naive UTC."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS_FR = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]


def to_paris(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(PARIS)


def from_paris(value: datetime) -> datetime:
    """A naive Paris wall-clock time to naive UTC for storage."""
    aware = value.replace(tzinfo=PARIS) if value.tzinfo is None else value
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def format_date_fr(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_paris(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS_FR[value.month - 1]} {value.year}"


def format_datetime_fr(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_paris(value)
    return f"{format_date_fr(local.date())} à {local:%H:%M}"
