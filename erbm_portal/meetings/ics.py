"""Génération des fichiers iCalendar (invitations par courriel et flux personnel)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//ERBM//Intranet//FR"
TZID = "Europe/Paris"
PARIS = ZoneInfo(TZID)
ALLOWED_METHODS = frozenset({"REQUEST", "CANCEL"})
DEFAULT_FEED_NAME = "ERBM – Mes réunions"


def _to_paris(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} doit être un datetime avec fuseau horaire")
    return value.astimezone(PARIS)


def _new_calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _finish(calendar: Calendar, moments: list[datetime]) -> bytes:
    # VTIMEZONE calculé depuis zoneinfo, limité aux années utiles pour rester
    # compact (la plage par défaut 1970-2038 pèse plusieurs Ko).
    if moments:
        first = date(min(moments).year, 1, 1)
        last = date(max(moments).year + 2, 1, 1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def _build_event(
    *,
    uid: str,
    sequence: int,
    title: str,
    start: datetime,
    end: datetime,
    location: str,
    description: str,
    url: str | None,
    cancelled: bool,
    dtstamp: datetime | None,
) -> Event:
    start = _to_paris(start, "start")
    end = _to_paris(end, "end")
    if end <= start:
        raise ValueError("end doit être postérieur à start")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", int(sequence))
    event.add("dtstamp", (dtstamp or datetime.now(timezone.utc)).astimezone(timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _mailto(email: str, name: str | None = None, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email.strip()}")
    name = " ".join((name or "").split())  # pas de saut de ligne dans un paramètre
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def build_meeting_ics(
    *,
    uid: str,
    sequence: int,
    method: str,
    title: str,
    start: datetime,
    end: datetime,
    location: str,
    description: str,
    url: str | None,
    organizer_email: str,
    attendees: list[tuple[str, str]],
    cancelled: bool = False,
    organizer_name: str | None = None,
    dtstamp: datetime | None = None,
) -> bytes:
    """Invitation (REQUEST) ou annulation (CANCEL) ; attendees = [(nom, courriel)]."""
    method = method.upper()
    if method not in ALLOWED_METHODS:
        raise ValueError(f"méthode iCalendar non prise en charge : {method}")
    cancelled = cancelled or method == "CANCEL"
    calendar = _new_calendar(method)
    event = _build_event(
        uid=uid, sequence=sequence, title=title, start=start, end=end,
        location=location, description=description, url=url,
        cancelled=cancelled, dtstamp=dtstamp,
    )
    event.add("organizer", _mailto(organizer_email, organizer_name), encode=0)
    for name, email in attendees:
        attendee = _mailto(
            email, name,
            cutype="INDIVIDUAL", role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION", rsvp="TRUE",
        )
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return _finish(calendar, [event.decoded("dtstart"), event.decoded("dtend")])


def build_feed_ics(
    events: list[dict[str, Any]],
    *,
    calendar_name: str = DEFAULT_FEED_NAME,
    dtstamp: datetime | None = None,
) -> bytes:
    """Flux d'abonnement personnel (METHOD:PUBLISH), sans participants.

    Chaque dict contient uid, title, start, end et, facultativement,
    sequence, location, description, url, cancelled.
    """
    calendar = _new_calendar("PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", TZID)
    moments: list[datetime] = []
    for item in events:
        event = _build_event(
            uid=item["uid"],
            sequence=item.get("sequence", 0),
            title=item["title"],
            start=item["start"],
            end=item["end"],
            location=item.get("location") or "",
            description=item.get("description") or "",
            url=item.get("url"),
            cancelled=bool(item.get("cancelled", False)),
            dtstamp=dtstamp,
        )
        calendar.add_component(event)
        moments += [event.decoded("dtstart"), event.decoded("dtend")]
    return _finish(calendar, moments)
