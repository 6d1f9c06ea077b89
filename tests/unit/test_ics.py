from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from erbm_portal.meetings.ics import PARIS, PRODID, build_feed_ics, build_meeting_ics

START = datetime(2025, 6, 3, 14, 0, tzinfo=PARIS)
END = datetime(2025, 6, 3, 16, 30, tzinfo=PARIS)
TRICKY_TEXT = "Ordre du jour : budget, été; vote\nPoint 2 : « clôture »\\fin"
STAMP = datetime(2025, 5, 1, 8, 0, tzinfo=timezone.utc)


def meeting(**overrides) -> bytes:
    params = dict(
        uid="reunion-42@erbm.example",
        sequence=3,
        method="REQUEST",
        title="Comité de pilotage – été 2025 (Équipe rénovée)",
        start=START,
        end=END,
        location="Salle Molière, 2e étage; bâtiment B",
        description=TRICKY_TEXT,
        url="https://intranet.erbm.example/reunions/42",
        organizer_email="secretariat@erbm.example",
        attendees=[("Zoé Lefèvre", "zoe@erbm.example"),
                   ("Dupont, Jean", "jean@erbm.example")],
        dtstamp=STAMP,
    )
    params.update(overrides)
    return build_meeting_ics(**params)


def only_event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_calendar_headers():
    calendar, _ = only_event(meeting())
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"


def test_uid_sequence_and_stamp():
    _, event = only_event(meeting())
    assert str(event["UID"]) == "reunion-42@erbm.example"
    assert event.decoded("SEQUENCE") == 3
    assert event.decoded("DTSTAMP") == STAMP
    assert b"DTSTAMP:20250501T080000Z" in meeting()


def test_times_use_paris_tzid_and_vtimezone_present():
    data = meeting()
    calendar, event = only_event(data)
    assert b"DTSTART;TZID=Europe/Paris:20250603T140000" in data
    assert b"DTEND;TZID=Europe/Paris:20250603T163000" in data
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == END
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Paris"]
    offsets = {sub["TZOFFSETTO"].to_ical() for sub in timezones[0].subcomponents}
    assert {"+0100", "+0200"} <= offsets


def test_utc_input_is_converted_to_paris():
    data = meeting(start=START.astimezone(timezone.utc), end=END.astimezone(timezone.utc))
    assert b"DTSTART;TZID=Europe/Paris:20250603T140000" in data


def test_naive_datetime_and_inverted_range_are_refused():
    with pytest.raises(ValueError):
        meeting(start=datetime(2025, 6, 3, 14, 0))
    with pytest.raises(ValueError):
        meeting(start=END, end=START)


def test_accents_survive_in_summary_and_location():
    _, event = only_event(meeting())
    assert str(event["SUMMARY"]) == "Comité de pilotage – été 2025 (Équipe rénovée)"
    assert str(event["LOCATION"]) == "Salle Molière, 2e étage; bâtiment B"


def test_special_characters_are_escaped_and_round_trip():
    data = meeting()
    assert b"LOCATION:Salle Moli\xc3\xa8re\\, 2e \xc3\xa9tage\\; b\xc3\xa2timent B" in data
    assert b"\\n" in data
    _, event = only_event(data)
    assert str(event["DESCRIPTION"]) == TRICKY_TEXT


def test_lines_are_folded_to_75_octets():
    long_title = "Réunion très longue " * 20
    data = meeting(title=long_title, description="é" * 400)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")
    # Une ligne repliée ne coupe jamais un caractère UTF-8 en deux.
    for line in lines:
        line.decode("utf-8")
    _, event = only_event(data)
    assert str(event["SUMMARY"]) == long_title


def test_organizer_and_attendees():
    _, event = only_event(meeting(organizer_name="Secrétariat ERBM"))
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:secretariat@erbm.example"
    assert organizer.params["CN"] == "Secrétariat ERBM"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:zoe@erbm.example", "mailto:jean@erbm.example"]
    assert attendees[1].params["CN"] == "Dupont, Jean"
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_confirmed_status_and_url():
    _, event = only_event(meeting())
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == "https://intranet.erbm.example/reunions/42"


def test_cancel_method_marks_event_cancelled():
    calendar, event = only_event(meeting(method="cancel", sequence=4))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 4
    assert str(event["UID"]) == "reunion-42@erbm.example"


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        meeting(method="PUBLISH")


def test_line_breaks_cannot_inject_properties():
    data = meeting(title="T\r\nX-EVIL:1", attendees=[("Jean\r\nX-EVIL:2", "j@erbm.example")])
    assert not any(line.startswith(b"X-EVIL") for line in data.split(b"\r\n"))
    with pytest.raises(ValueError):
        meeting(attendees=[("Jean", "j@erbm.example\r\nX-EVIL:3")])


def test_feed_contains_several_events_without_attendees():
    other_start = datetime(2026, 1, 15, 9, 0, tzinfo=PARIS)
    data = build_feed_ics(
        [
            {"uid": "a@erbm", "sequence": 1, "title": "Assemblée générale",
             "start": START, "end": END, "location": "Siège",
             "description": "Vote, budget; bilan", "url": "https://intranet/a"},
            {"uid": "b@erbm", "title": "Vœux de janvier",
             "start": other_start, "end": other_start + timedelta(hours=1),
             "cancelled": True},
        ],
        dtstamp=STAMP,
    )
    calendar = Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]) == PRODID
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["a@erbm", "b@erbm"]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert str(events[1]["SUMMARY"]) == "Vœux de janvier"
    assert str(events[0]["DESCRIPTION"]) == "Vote, budget; bilan"
    assert events[1].decoded("SEQUENCE") == 0
    assert b"ATTENDEE" not in data and b"ORGANIZER" not in data
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert b"DTSTART;TZID=Europe/Paris:20260115T090000" in data
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_empty_feed_is_valid():
    calendar = Calendar.from_ical(build_feed_ics([]))
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar.walk("VEVENT") == []
