"""Meetings: workflow services, agenda, invitations, attendance, attachments, and their HTTP forms."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from erbm_portal.audit.models import AuditEvent
from erbm_portal.core import idempotency
from erbm_portal.core.db import utcnow
from erbm_portal.core.errors import ServiceError, StaleEdit, TransitionRefused
from erbm_portal.extensions import db
from erbm_portal.mail.models import OutboxMessage
from erbm_portal.meetings import services
from erbm_portal.meetings.models import (
    AgendaItem, AttachmentBlob, AttachmentVersion, Meeting, MeetingInvitee, MeetingState,
)

from .conftest import count_queries, csrf_from
from .meeting_helpers import PDF, PNG, at_state, committee, later, meeting_by_title, new_meeting

LENS_DRAFT = "SPEL de Lens — préparation du plan d'action"
LENS_HELD = "SPEL de Lens — réunion de bilan"
COPIL = "Comité de pilotage de mi-parcours de l'ERBM"


def audit_actions() -> list[str]:
    return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def outbox() -> list[OutboxMessage]:
    """Mail queued by the test (the demo's historical convocations are already marked sent)."""
    from erbm_portal.mail.models import OutboxStatus

    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                                   .order_by(OutboxMessage.id)).scalars())


# --------------------------------------------------------------------------- workflow services

def test_allowed_transitions_planned_convened_held_closed(demo):
    meeting = new_meeting(items=2)
    invitees = len(meeting.invitees)
    assert invitees >= 3  # pre-filled: the Lens member and the two co-chairs
    services.convene_meeting(meeting)
    db.session.commit()
    assert meeting.state == MeetingState.CONVENED and meeting.convened_at
    rows = outbox()
    assert len(rows) == invitees
    ics = rows[0].ics.decode()
    assert "METHOD:REQUEST" in ics and f"UID:{meeting.ics_uid}" in ics and "SEQUENCE:0" in ics
    assert "TZID=Europe/Paris" in ics or "TZID:Europe/Paris" in ics
    assert "Point 1" in rows[0].body_text
    services.mark_held(meeting, now=later(meeting))
    db.session.commit()
    assert meeting.state == MeetingState.HELD
    services.close_meeting(meeting)
    db.session.commit()
    assert meeting.state == MeetingState.CLOSED
    actions = audit_actions()
    for action in ("meeting.created", "meeting.convened", "meeting.held", "meeting.closed"):
        assert action in actions


REFUSED = [
    ("planned", "held"), ("planned", "closed"),
    ("convened", "convened"), ("convened", "closed"),
    ("held", "convened"), ("held", "held"),
    ("closed", "convened"), ("closed", "held"), ("closed", "closed"),
]


@pytest.mark.parametrize(("state", "target"), REFUSED)
def test_refused_transitions_are_refused_and_audited(demo, state, target):
    meeting = at_state(state)
    meeting_id = meeting.id
    call = {"convened": services.convene_meeting,
            "held": lambda m: services.mark_held(m, now=later(m)),
            "closed": services.close_meeting}[target]
    with pytest.raises(TransitionRefused) as exc:
        call(meeting)
    assert "Impossible de passer" in exc.value.message
    db.session.rollback()
    assert db.session.get(Meeting, meeting_id).state.value == state
    last = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert last.action == "meeting.transition_refused" and last.object_id == meeting_id
    assert last.details == {"from": state, "to": target}


def test_close_meeting_only_from_held(demo):
    for state in ("planned", "convened"):
        with pytest.raises(TransitionRefused):
            services.close_meeting(at_state(state))
        db.session.rollback()


def test_convening_a_past_meeting_is_refused_and_audited(demo):
    meeting = new_meeting(days=-2, items=1)
    with pytest.raises(ServiceError) as exc:
        services.convene_meeting(meeting)
    assert "date est passée" in exc.value.message
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).state == MeetingState.PLANNED
    assert outbox() == []
    assert audit_actions()[-1] == "meeting.convene_refused"


def test_convening_without_invitees_is_refused(demo):
    meeting = new_meeting(items=1)
    for invitee in list(meeting.invitees):
        services.remove_invitee(invitee)
    db.session.commit()
    with pytest.raises(ServiceError, match="au moins une personne"):
        services.convene_meeting(meeting)


def test_mark_held_before_the_start_is_refused(demo):
    meeting = at_state("convened")
    with pytest.raises(ServiceError, match="avant son heure de début"):
        services.mark_held(meeting, now=meeting.starts_at - timedelta(hours=2))
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).state == MeetingState.CONVENED


def test_meeting_fields_are_checked(demo):
    start = utcnow() + timedelta(days=3)
    with pytest.raises(ServiceError) as exc:
        services.create_meeting(committee(), title="X", starts_at=start, ends_at=start - timedelta(hours=1))
    assert exc.value.field == "end_time"
    with pytest.raises(ServiceError) as exc:
        services.create_meeting(committee(), title="  ", starts_at=start, ends_at=start + timedelta(hours=1))
    assert exc.value.field == "title"
    with pytest.raises(ServiceError) as exc:
        services.create_meeting(committee(), title="X", starts_at=start, ends_at=start + timedelta(hours=1),
                                video_url="http://visio.example.org")
    assert exc.value.field == "video_url"


def test_stale_meeting_update_is_refused(demo):
    meeting = new_meeting()
    with pytest.raises(StaleEdit):
        services.update_meeting(meeting, expected_version=meeting.version - 1, title="Autre",
                                starts_at=meeting.starts_at, ends_at=meeting.ends_at, place="",
                                video_url="", description="")


# --------------------------------------------------------------------------- ICS sequence and re-notification

def test_agenda_change_after_convocation_bumps_sequence_and_renotifies(demo):
    meeting = at_state("convened")
    first = len(outbox())
    services.add_item(meeting, title="Point ajouté", kind="decision", duration=15)
    db.session.commit()
    assert meeting.ics_sequence == 1
    rows = outbox()[first:]
    assert len(rows) == len(meeting.invitees)
    assert all(r.subject.startswith("Mise à jour") and b"SEQUENCE:1" in r.ics for r in rows)
    assert "Point ajouté" in rows[0].body_text


def test_place_change_after_convocation_renotifies_but_not_before(demo):
    draft = new_meeting()
    services.update_meeting(draft, expected_version=draft.version, title=draft.title, starts_at=draft.starts_at,
                            ends_at=draft.ends_at, place="Ailleurs", video_url="", description="")
    db.session.commit()
    assert draft.ics_sequence == 0 and outbox() == []
    meeting = at_state("convened")
    services.update_meeting(meeting, expected_version=meeting.version, title=meeting.title,
                            starts_at=meeting.starts_at + timedelta(hours=1), ends_at=meeting.ends_at + timedelta(hours=1),
                            place="Hôtel de région", video_url="", description="")
    db.session.commit()
    assert meeting.ics_sequence == 1
    assert "meeting.renotified" in audit_actions()


# --------------------------------------------------------------------------- agenda services

def test_agenda_item_checks(demo):
    meeting = new_meeting()
    before = db.session.execute(select(func.count(AgendaItem.id))).scalar()
    bad = [
        (dict(title=""), "title"),
        (dict(duration=0), "duration"),
        (dict(duration=481), "duration"),
        (dict(kind="vote"), "kind"),
        (dict(presenter_user_id=999999), "presenter_user_id"),
        (dict(presenter_organisation_id=999999), "presenter_organisation_id"),
    ]
    for override, field in bad:
        args = dict(title="Point", kind="information", duration=10) | override
        with pytest.raises(ServiceError) as exc:
            services.add_item(meeting, **args)
        assert exc.value.field == field
    db.session.rollback()
    assert db.session.execute(select(func.count(AgendaItem.id))).scalar() == before


def test_move_and_reorder(demo):
    meeting = new_meeting(items=3)
    a, b, c = sorted(meeting.agenda_items, key=lambda i: i.position)
    assert services.move_item(c, "up") == 2
    assert services.move_item(a, "up") == 1  # already first: unchanged
    db.session.commit()
    assert [i.title for i in sorted(meeting.agenda_items, key=lambda i: i.position)] == ["Point 1", "Point 3", "Point 2"]
    services.reorder_items(meeting, [b.id, a.id, c.id])
    db.session.commit()
    assert [i.title for i in sorted(meeting.agenda_items, key=lambda i: i.position)] == ["Point 2", "Point 1", "Point 3"]
    with pytest.raises(ServiceError):
        services.reorder_items(meeting, [a.id, b.id])
    services.delete_item(b)
    db.session.commit()
    assert sorted(i.position for i in meeting.agenda_items) == [1, 2]


def test_agenda_is_frozen_once_held(demo):
    meeting = at_state("held")
    with pytest.raises(ServiceError, match="ne peut plus"):
        services.add_item(meeting, title="Tardif", kind="information", duration=5)


def test_form_token_creates_one_meeting(demo):
    token = idempotency.new_token()
    start = utcnow() + timedelta(days=5)
    services.create_meeting(committee(), title="Une fois", starts_at=start, ends_at=start + timedelta(hours=1),
                            form_token=token)
    db.session.commit()
    with pytest.raises(idempotency.DuplicateSubmission) as exc:
        services.create_meeting(committee(), title="Une fois", starts_at=start, ends_at=start + timedelta(hours=1),
                                form_token=token)
    assert exc.value.prior.object_type == "meeting"
    db.session.rollback()
    assert db.session.execute(select(func.count(Meeting.id)).where(Meeting.title == "Une fois")).scalar() == 1


# --------------------------------------------------------------------------- invitations and attendance services

def test_answers_and_sent_at(demo):
    from erbm_portal.mail.services import send_pending

    meeting = at_state("convened")
    invitee = meeting.invitees[0]
    assert invitee.sent_at is None
    send_pending()
    db.session.refresh(invitee)
    assert invitee.sent_at is not None
    with pytest.raises(ServiceError) as exc:
        services.respond(invitee, "represented", "")
    assert exc.value.field == "represented_by"
    services.respond(invitee, "represented", "Mme Durand, adjointe")
    db.session.commit()
    assert invitee.response.value == "represented" and invitee.answered_at
    with pytest.raises(ServiceError):
        services.respond(invitee, "peut-être")


def test_attendance_only_during_or_after(demo):
    meeting = at_state("convened")
    invitee = meeting.invitees[0]
    with pytest.raises(ServiceError, match="pendant ou après"):
        services.set_attendance(invitee, "present", by=invitee.user, now=meeting.starts_at - timedelta(days=1))
    services.set_attendance(invitee, "remote", by=invitee.user, now=later(meeting))
    db.session.commit()
    assert invitee.attendance.value == "remote"


def test_invitees_prefilled_from_grants(demo):
    meeting = new_meeting()
    emails = {inv.user.email for inv in meeting.invitees}
    assert {"membre.lens@erbm-demo.fr", "sous-prefet.lens@erbm-demo.fr", "conseillere.lens@erbm-demo.fr"} <= emails
    assert "sous-prefet.bethune@erbm-demo.fr" not in emails


# --------------------------------------------------------------------------- attachments services

def test_upload_versions_and_content_check(demo):
    meeting = new_meeting(items=1)
    item = meeting.agenda_items[0]
    v1 = services.upload_attachment(item, filename="Note de synthèse.pdf", data=PDF, uploaded_by=None)
    db.session.commit()
    v2 = services.upload_attachment(item, filename="Note de synthèse v2.pdf", data=PDF + b"%v2", uploaded_by=None,
                                    attachment=v1.attachment)
    db.session.commit()
    assert (v1.number, v2.number) == (1, 2) and v1.attachment_id == v2.attachment_id
    assert db.session.execute(select(func.count(AttachmentBlob.id))).scalar() == 3  # + the demo COPIL file
    with pytest.raises(ServiceError) as exc:
        services.upload_attachment(item, filename="faux.pdf", data=PNG, uploaded_by=None)
    assert exc.value.field == "file" and "n'est pas un PDF" in exc.value.message


# --------------------------------------------------------------------------- HTTP: pages and visibility

def test_committee_list_and_page(client, login_as):
    login_as("co_chair")
    page = client.get("/comites/").get_data(as_text=True)
    assert "Comité du SPEL de Lens" in page and "Comité de pilotage" in page
    assert "Comité du SPEL de Béthune" not in page  # not invited there
    lens = committee("spel-lens")
    page = client.get(f"/comites/{lens.id}").get_data(as_text=True)
    assert LENS_DRAFT.replace("'", "&#39;") in page and LENS_HELD in page and "Nouvelle réunion" in page
    assert 'href="/comites/"' in client.get("/").get_data(as_text=True)  # nav entry "Comités"


def test_partner_does_not_see_drafts_in_committee_page(client, login_as):
    login_as("partner")
    lens = committee("spel-lens")
    page = client.get(f"/comites/{lens.id}").get_data(as_text=True)
    assert LENS_HELD in page and LENS_DRAFT.replace("'", "&#39;") not in page and "préparation du plan" not in page


def test_lens_draft_is_404_for_bethune_co_chair_partner_observer(client, login_as):
    draft = meeting_by_title(LENS_DRAFT)
    item = draft.agenda_items[0]
    for role in ("co_chair_bethune", "partner", "observer", "member"):
        login_as(role)
        for path in (f"/reunions/{draft.id}", f"/reunions/{draft.id}/modifier",
                     f"/reunions/{draft.id}/ordre-du-jour/{item.id}/modifier"):
            assert client.get(path).status_code == 404, (role, path)
        token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
        resp = client.post(f"/reunions/{draft.id}/ordre-du-jour", data={"csrf_token": token})
        assert resp.status_code == 404
        assert LENS_DRAFT not in client.get(f"/reunions/{draft.id}").get_data(as_text=True)


def test_convened_meeting_becomes_visible_to_partners(client, login_as):
    draft = meeting_by_title(LENS_DRAFT)
    services.convene_meeting(draft)
    db.session.commit()
    login_as("partner")
    assert client.get(f"/reunions/{draft.id}").status_code == 200
    login_as("co_chair_bethune")
    assert client.get(f"/reunions/{draft.id}").status_code == 404  # Béthune's co-chair is not a Lens partner


# --------------------------------------------------------------------------- HTTP: meeting form

def _meeting_form(client, path):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)
    return csrf_from(html), token.group(1) if token else ""


def _future_day(days=20):
    return (utcnow() + timedelta(days=days)).date().isoformat()


@pytest.mark.parametrize(("override", "field_message"), [
    ({"end_time": "09:00"}, "L'heure de fin doit être postérieure à l'heure de début."),
    ({"title": ""}, "Saisissez l'intitulé de la réunion."),
    ({"video_url": "http://visio.example.org/salle"}, "Le lien de visioconférence doit commencer par https://"),
    ({"date": "32/13/2024"}, "Saisissez une date valide"),
])
def test_meeting_form_bad_input(client, login_as, override, field_message):
    login_as("co_chair")
    lens = committee("spel-lens")
    path = f"/comites/{lens.id}/reunions/nouvelle"
    csrf, token = _meeting_form(client, path)
    before = db.session.execute(select(func.count(Meeting.id))).scalar()
    data = {"csrf_token": csrf, "form_token": token, "title": "Réunion", "date": _future_day(),
            "start_time": "10:00", "end_time": "12:00", "place": "Lens", "video_url": "", "description": ""}
    resp = client.post(path, data=data | override)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "fr-error-text" in html and field_message.replace("'", "&#39;") in html
    assert db.session.execute(select(func.count(Meeting.id))).scalar() == before


def test_meeting_form_double_submit_creates_one_meeting(client, login_as):
    login_as("co_chair")
    lens = committee("spel-lens")
    path = f"/comites/{lens.id}/reunions/nouvelle"
    csrf, token = _meeting_form(client, path)
    data = {"csrf_token": csrf, "form_token": token, "title": "Double clic", "date": _future_day(),
            "start_time": "10:00", "end_time": "12:00", "place": "Lens"}
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.execute(select(func.count(Meeting.id)).where(Meeting.title == "Double clic")).scalar() == 1
    meeting = meeting_by_title("Double clic")
    assert meeting.starts_at.hour in (8, 9)  # 10:00 Paris stored as UTC


def test_meeting_edit_stale_gives_409_with_the_other_version(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    html = client.get(f"/reunions/{draft.id}/modifier").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    services.update_meeting(draft, expected_version=draft.version, title="Titre changé par l'autre co-présidente",
                            starts_at=draft.starts_at, ends_at=draft.ends_at, place=draft.place,
                            video_url=draft.video_url, description=draft.description)
    db.session.commit()
    resp = client.post(f"/reunions/{draft.id}/modifier", data={
        "csrf_token": csrf_from(html), "version": version, "title": "Mon titre", "date": _future_day(30),
        "start_time": "14:00", "end_time": "16:00", "place": "Lens"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Titre changé par l&#39;autre co-présidente" in body and 'value="Mon titre"' in body
    db.session.expire_all()
    assert db.session.get(Meeting, draft.id).title == "Titre changé par l'autre co-présidente"


# --------------------------------------------------------------------------- HTTP: agenda builder

def _agenda_data(client, meeting, **override):
    html = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    token = re.search(r'name="agenda-add-form_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "agenda-add-form_token": token, "agenda-add-title": "Point nouveau",
            "agenda-add-kind": "discussion", "agenda-add-duration": "20", "agenda-add-presenter_user_id": "",
            "agenda-add-presenter_organisation_id": "", "agenda-add-notes": ""}
    return data | {f"agenda-add-{k}": v for k, v in override.items()}


@pytest.mark.parametrize(("override", "message"), [
    ({"title": ""}, "Saisissez l'intitulé du point."),
    ({"duration": "0"}, "La durée doit être comprise entre 1 et 480 minutes"),
    ({"duration": "481"}, "La durée doit être comprise entre 1 et 480 minutes"),
    ({"duration": "une heure"}, "Saisissez un nombre entier de minutes."),
    ({"presenter_user_id": "999999"}, "Intervenant·e inconnu·e"),
    ({"presenter_organisation_id": "999999"}, "Organisation inconnue"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_agenda_item_bad_input(client, login_as, override, message, htmx):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    before = len(draft.agenda_items)
    headers = {"HX-Request": "true"} if htmx else {}
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour", data=_agenda_data(client, draft, **override),
                       headers=headers)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message.replace("'", "&#39;") in html and "fr-error-text" in html
    assert html.lstrip().startswith("<section id=\"agenda\"") == htmx
    assert ("<!doctype html>" in html) != htmx
    db.session.expire_all()
    assert len(db.session.get(Meeting, draft.id).agenda_items) == before


def test_agenda_add_htmx_fragment_and_plain_redirect(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour", data=_agenda_data(client, draft, title="Par htmx"),
                       headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and "Par htmx" in html
    assert 'data-erbm-announce="Point « Par htmx » ajouté' in html
    assert resp.headers["Vary"].count("HX-Request") == 1
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour", data=_agenda_data(client, draft, title="Sans JS"))
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/reunions/{draft.id}#ordre-du-jour")
    assert "Sans JS" in client.get(f"/reunions/{draft.id}").get_data(as_text=True)


def test_agenda_add_double_submit_creates_one_item(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    data = _agenda_data(client, draft, title="Une seule fois")
    client.post(f"/reunions/{draft.id}/ordre-du-jour", data=data)
    client.post(f"/reunions/{draft.id}/ordre-du-jour", data=data)
    count = db.session.execute(select(func.count(AgendaItem.id)).where(AgendaItem.title == "Une seule fois")).scalar()
    assert count == 1


def test_total_duration_warning(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)  # 2 h slot, 105 min of agenda
    html = client.get(f"/reunions/{draft.id}").get_data(as_text=True)
    assert "Durée totale : <strong>105 min</strong>" in html and "dépasse le créneau" not in html
    client.post(f"/reunions/{draft.id}/ordre-du-jour", data=_agenda_data(client, draft, duration="30"))
    html = client.get(f"/reunions/{draft.id}").get_data(as_text=True)
    assert "135 min" in html and "dépasse le créneau de la réunion (120 min) de 15 min" in html


def test_item_edit_in_place_and_stale_409(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    item = sorted(draft.agenda_items, key=lambda i: i.position)[0]
    frag = client.get(f"/reunions/{draft.id}/ordre-du-jour/{item.id}/modifier", headers={"HX-Request": "true"})
    html = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in html and 'id="edit-title"' in html and "data-erbm-focus" in html
    assert "<!doctype html>" in client.get(f"/reunions/{draft.id}/ordre-du-jour/{item.id}/modifier").get_data(as_text=True)
    version = re.search(r'name="edit-version" type="hidden" value="(\d+)"', html).group(1)
    services.update_item(item, expected_version=item.version, title="Version de l'autre", kind="decision",
                         duration=25)
    db.session.commit()
    data = {"csrf_token": csrf_from(client.get("/mon-compte").get_data(as_text=True)), "edit-version": version,
            "edit-title": "Ma version", "edit-kind": "information", "edit-duration": "10"}
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/{item.id}/modifier", data=data,
                       headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Version de l&#39;autre" in body and "Décision, 25 min" in body and 'value="Ma version"' in body
    # The form now carries the current version: saving again goes through.
    new_version = re.search(r'name="edit-version" type="hidden" value="(\d+)"', body).group(1)
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/{item.id}/modifier",
                       data=data | {"edit-version": new_version})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).title == "Ma version"


def test_move_buttons_announce_and_keep_focus(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    first, second, third = sorted(draft.agenda_items, key=lambda i: i.position)
    token = csrf_from(client.get(f"/reunions/{draft.id}").get_data(as_text=True))
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/{first.id}/deplacer",
                       data={"csrf_token": token, "direction": "down"}, headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f"est maintenant en position 2 sur 3." in html and "data-erbm-announce" in html
    assert re.search(rf'id="move-down-{first.id}"[^>]*data-erbm-focus', html)
    # Moved to the end: focus goes to the button still shown ("Monter").
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/{first.id}/deplacer",
                       data={"csrf_token": token, "direction": "down"}, headers={"HX-Request": "true"})
    assert re.search(rf'id="move-up-{first.id}"[^>]*data-erbm-focus', resp.get_data(as_text=True))
    # Without JavaScript: a plain POST and a redirect.
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/{third.id}/deplacer",
                       data={"csrf_token": token, "direction": "up"})
    assert resp.status_code == 303
    db.session.expire_all()
    order = [i.id for i in sorted(db.session.get(Meeting, draft.id).agenda_items, key=lambda i: i.position)]
    assert order == [third.id, second.id, first.id]


def test_drag_and_drop_posts_the_new_order(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    ids = [i.id for i in sorted(draft.agenda_items, key=lambda i: i.position)]
    html = client.get(f"/reunions/{draft.id}").get_data(as_text=True)
    assert 'data-erbm-sortable="agenda-reorder-form"' in html and 'draggable="true"' in html
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/ordre", headers={"HX-Request": "true"},
                       data={"csrf_token": csrf_from(html), "order": ",".join(map(str, reversed(ids)))})
    assert resp.status_code == 200
    db.session.expire_all()
    assert [i.id for i in sorted(db.session.get(Meeting, draft.id).agenda_items, key=lambda i: i.position)] == ids[::-1]
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/ordre", data={"csrf_token": csrf_from(html), "order": "1,2"})
    assert resp.status_code == 422 and "a changé entre-temps" in resp.get_data(as_text=True)


def test_delete_item(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    item_id = draft.agenda_items[0].id
    token = csrf_from(client.get(f"/reunions/{draft.id}").get_data(as_text=True))
    resp = client.post(f"/reunions/{draft.id}/ordre-du-jour/{item_id}/supprimer", data={"csrf_token": token},
                       headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "supprimé" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaItem, item_id) is None


# --------------------------------------------------------------------------- HTTP: attachments

def _upload(client, meeting, item, filename, data, attachment_id="", htmx=False):
    import io

    token = csrf_from(client.get(f"/reunions/{meeting.id}").get_data(as_text=True))
    return client.post(f"/reunions/{meeting.id}/ordre-du-jour/{item.id}/pieces-jointes",
                       data={"csrf_token": token, f"up{item.id}-file": (io.BytesIO(data), filename),
                             f"up{item.id}-attachment_id": attachment_id},
                       content_type="multipart/form-data", headers={"HX-Request": "true"} if htmx else {})


def test_upload_download_and_versions(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    item = draft.agenda_items[0]
    assert _upload(client, draft, item, "Bilan été 2024.pdf", PDF).status_code == 303
    v1 = db.session.execute(select(AttachmentVersion).order_by(AttachmentVersion.id.desc()).limit(1)).scalar_one()
    resp = _upload(client, draft, item, "Bilan été 2024 v2.pdf", PDF + b"%2", attachment_id=str(v1.attachment_id),
                   htmx=True)
    assert resp.status_code == 200 and "version 2" in resp.get_data(as_text=True)
    v2 = db.session.execute(select(AttachmentVersion).order_by(AttachmentVersion.id.desc()).limit(1)).scalar_one()
    assert v2.number == 2 and v2.attachment_id == v1.attachment_id
    for version, data in ((v1, PDF), (v2, PDF + b"%2")):
        resp = client.get(f"/pieces-jointes/{version.id}")
        assert resp.status_code == 200 and resp.data == data
        assert resp.mimetype == "application/pdf"
        disposition = resp.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=UTF-8''Bilan%20%C3%A9t%C3%A9" in disposition
    assert f"/pieces-jointes/{v1.id}" in client.get(f"/reunions/{draft.id}").get_data(as_text=True)


def test_upload_content_not_matching_name_is_refused(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    item = draft.agenda_items[0]
    resp = _upload(client, draft, item, "rapport.pdf", PNG, htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "n&#39;est pas un PDF" in html and "fr-error-text" in html
    resp = _upload(client, draft, item, "macro.exe", b"MZ\x90\x00", htmx=False)
    assert resp.status_code == 422 and "extension autorisée" in resp.get_data(as_text=True)
    assert db.session.execute(select(func.count(AttachmentVersion.id))).scalar() == 1  # the demo COPIL file only


def test_upload_too_large_gives_the_french_413_page(app, client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    item = draft.agenda_items[0]
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    try:
        resp = _upload(client, draft, item, "gros.pdf", PDF + b"0" * 60_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413 and "Fichier trop volumineux" in html and 'lang="fr"' in html
    assert db.session.execute(select(func.count(AttachmentVersion.id))).scalar() == 1


def test_hidden_meeting_attachment_is_404(client, login_as):
    copil_version = db.session.execute(select(AttachmentVersion.id)).scalar_one()
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    _upload(client, draft, draft.agenda_items[0], "brouillon.pdf", PDF)
    draft_version = db.session.execute(select(AttachmentVersion.id).order_by(AttachmentVersion.id.desc())).scalars().first()
    login_as("partner")
    assert client.get(f"/pieces-jointes/{draft_version}").status_code == 404
    assert client.get(f"/pieces-jointes/{copil_version}").status_code == 200


# --------------------------------------------------------------------------- HTTP: convocation, answers, attendance

def test_convene_http_past_and_ok(client, login_as):
    login_as("co_chair")
    past = new_meeting(days=-1, items=1, title="Réunion oubliée")
    token = csrf_from(client.get(f"/reunions/{past.id}").get_data(as_text=True))
    resp = client.post(f"/reunions/{past.id}/convoquer", data={"csrf_token": token})
    assert resp.status_code == 422 and "date est passée" in resp.get_data(as_text=True)
    assert outbox() == []
    draft = meeting_by_title(LENS_DRAFT)
    resp = client.post(f"/reunions/{draft.id}/convoquer", data={"csrf_token": token})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, draft.id).state == MeetingState.CONVENED
    assert len(outbox()) == len(draft.invitees)
    resp = client.post(f"/reunions/{draft.id}/convoquer", data={"csrf_token": token})
    assert resp.status_code == 422 and "Impossible de passer" in resp.get_data(as_text=True)
    assert audit_actions()[-1] == "meeting.transition_refused"


def test_invitee_answers_and_records_own_attendance(client, login_as):
    draft = meeting_by_title(LENS_DRAFT)
    services.convene_meeting(draft)
    db.session.commit()
    login_as("member")
    token = csrf_from(client.get(f"/reunions/{draft.id}").get_data(as_text=True))
    resp = client.post(f"/reunions/{draft.id}/reponse", data={"csrf_token": token, "response": "represented"},
                       headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Indiquez le nom de la personne qui vous représente." in html
    resp = client.post(f"/reunions/{draft.id}/reponse", headers={"HX-Request": "true"},
                       data={"csrf_token": token, "response": "represented", "represented_by": "Léa Martin"})
    assert resp.status_code == 200 and "Représenté·e par Léa Martin" in resp.get_data(as_text=True)
    mine = next(i for i in draft.invitees if i.user.email == "membre.lens@erbm-demo.fr")
    other = next(i for i in draft.invitees if i.user.email != "membre.lens@erbm-demo.fr")
    # Before the meeting: attendance is not open yet.
    resp = client.post(f"/reunions/{draft.id}/presence/{mine.id}", data={"csrf_token": token, "status": "present"})
    assert resp.status_code == 422 and "pendant ou après" in resp.get_data(as_text=True)
    # On another person's row: refused.
    assert client.post(f"/reunions/{draft.id}/presence/{other.id}",
                       data={"csrf_token": token, "status": "present"}).status_code == 403


def test_manager_records_attendance_with_toggles(client, login_as):
    # The demo's held Lens meeting now has published minutes, which closed it: attendance is read-only there.
    closed = meeting_by_title(LENS_HELD)
    assert closed.state == MeetingState.CLOSED
    login_as("co_chair")
    assert 'class="erbm-toggle-group"' not in client.get(f"/reunions/{closed.id}").get_data(as_text=True)
    # A meeting held yesterday, without minutes yet: the manager records attendance with the toggles.
    held = new_meeting(days=-1, items=1, title="Réunion tenue hier")
    services.convene_meeting(held, now=held.starts_at - timedelta(days=15))
    services.mark_held(held, now=later(held))
    member = next(i for i in held.invitees if i.user.email == "membre.lens@erbm-demo.fr")
    services.set_attendance(member, "present", by=member.user, now=later(held))
    db.session.commit()
    html = client.get(f"/reunions/{held.id}").get_data(as_text=True)
    assert f'id="att-{member.id}-absent"' in html and 'aria-pressed="true"' in html
    resp = client.post(f"/reunions/{held.id}/presence/{member.id}", headers={"HX-Request": "true"},
                       data={"csrf_token": csrf_from(html), "status": "absent"})
    frag = resp.get_data(as_text=True)
    assert resp.status_code == 200 and frag.lstrip().startswith('<section id="invites"')
    assert re.search(rf'id="att-{member.id}-absent"\s+class="fr-btn fr-btn--sm "\s+aria-pressed="true"\s*data-erbm-focus', frag)
    db.session.expire_all()
    assert db.session.get(MeetingInvitee, member.id).attendance.value == "absent"


def test_invitee_list_editable_before_convening(client, login_as):
    login_as("co_chair")
    draft = meeting_by_title(LENS_DRAFT)
    token = csrf_from(client.get(f"/reunions/{draft.id}").get_data(as_text=True))
    resp = client.post(f"/reunions/{draft.id}/invites", data={"csrf_token": token, "user_id": "999999"},
                       headers={"HX-Request": "true"})
    assert resp.status_code == 422 and "Personne inconnue" in resp.get_data(as_text=True)
    partner = db.session.execute(select(MeetingInvitee)).scalars().first().user  # any user
    from erbm_portal.accounts.services import find_user_by_email

    newcomer = find_user_by_email("partenaire@erbm-demo.fr")
    resp = client.post(f"/reunions/{draft.id}/invites", data={"csrf_token": token, "user_id": str(newcomer.id)})
    assert resp.status_code == 303
    db.session.expire_all()
    assert newcomer.id in {i.user_id for i in db.session.get(Meeting, draft.id).invitees}
    assert partner is not None


# --------------------------------------------------------------------------- queries

def _meeting_page_queries(client, meeting_id):
    client.get(f"/reunions/{meeting_id}")  # warm-up (session, principal)
    with count_queries() as counter:
        resp = client.get(f"/reunions/{meeting_id}")
    assert resp.status_code == 200
    return counter


def test_meeting_page_queries_do_not_grow_with_the_agenda(client, login_as):
    small = new_meeting(items=5, title="Petit ordre du jour")
    big = new_meeting(items=50, title="Grand ordre du jour")
    for meeting in (small, big):
        for item in meeting.agenda_items[:3]:
            services.upload_attachment(item, filename="annexe.pdf", data=PDF, uploaded_by=None)
    db.session.commit()
    login_as("co_chair")
    few = _meeting_page_queries(client, small.id)
    many = _meeting_page_queries(client, big.id)
    assert few.count == many.count, (few.statements, many.statements)
    assert not any("attachment_blob" in s for s in many.statements)  # file bytes never loaded on pages
    # The committee's open follow-up actions are shown on upcoming meetings, in a constant number of queries.
    _lens_published_actions(25)
    more = _meeting_page_queries(client, big.id)
    assert more.count == many.count, (many.statements, more.statements)


def _lens_published_actions(n: int) -> None:
    """Published minutes of a past Lens meeting with `n` open follow-up actions."""
    from erbm_portal.directory.models import Organisation
    from erbm_portal.minutes import services as minutes_services
    from erbm_portal.minutes.access import SYSTEM_ACCESS

    from . import factories

    org = db.session.execute(select(Organisation).filter_by(short_name="PLIE Lens")).scalar_one()
    past = factories.meeting(committee("spel-lens"), title="Réunion passée avec suites")
    minutes = factories.minutes(past)
    for i in range(n):
        decision = minutes_services.add_decision(minutes, access=SYSTEM_ACCESS, text=f"Décision {i}",
                                                 agenda_item_id=None)
        minutes_services.add_action(minutes, access=SYSTEM_ACCESS, title=f"Action de suivi {i}",
                                    owner_organisation_id=org.id, owner_person="Responsable",
                                    due_date=past.starts_at.date() + timedelta(days=30), decision_id=decision.id)
    minutes_services.submit_for_review(minutes, access=SYSTEM_ACCESS, deadline=minutes_services.paris_today())
    minutes_services.approve(minutes, access=SYSTEM_ACCESS)
    minutes_services.publish(minutes, access=SYSTEM_ACCESS)
    db.session.commit()


def test_upcoming_meeting_shows_the_committee_open_actions(client, login_as):
    _lens_published_actions(2)
    draft = meeting_by_title(LENS_DRAFT)
    login_as("co_chair")
    html = client.get(f"/reunions/{draft.id}").get_data(as_text=True)
    assert "Actions de suivi en cours du comité" in html
    assert "Action de suivi 1" in html and "en retard" in html  # due in 2024: overdue
    assert f'href="/comites/{draft.committee_id}/registre"' in html
    assert "Relevé de décisions</a>" not in html  # not held yet: no minutes
    # A held or closed meeting links to its minutes and does not list the open actions.
    closed = meeting_by_title(LENS_HELD)
    html = client.get(f"/reunions/{closed.id}").get_data(as_text=True)
    assert f'href="/reunions/{closed.id}/releve"' in html and "Actions de suivi en cours" not in html


def test_committee_page_links_to_the_register(client, login_as):
    login_as("partner")
    lens = committee("spel-lens")
    html = client.get(f"/comites/{lens.id}").get_data(as_text=True)
    assert f'href="/comites/{lens.id}/registre"' in html


def test_committee_page_queries_constant(client, login_as, assert_max_queries):
    login_as("co_chair")
    lens = committee("spel-lens")
    client.get(f"/comites/{lens.id}")
    with count_queries() as before:
        client.get(f"/comites/{lens.id}")
    for n in range(10):
        new_meeting(days=30 + n, title=f"Réunion {n}")
    with assert_max_queries(before.count):
        assert client.get(f"/comites/{lens.id}").status_code == 200


# --------------------------------------------------------------------------- personal calendar feed

def _feed(client, login_as, role):
    login_as(role)
    token = csrf_from(client.get("/mon-agenda").get_data(as_text=True))
    page = client.post("/mon-agenda/nouvelle-adresse", data={"csrf_token": token}).get_data(as_text=True)
    url = re.search(r'id="flux-adresse" type="text" readonly value="([^"]+)"', page).group(1)
    return url.replace("http://localhost", "")


def _unfold(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def test_calendar_feed_lists_the_meetings_the_person_may_read(client, login_as, demo):
    planned = new_meeting("spel-lens", title="Brouillon du SPEL de Lens")
    convened = at_state("convened", "spel-lens")
    url = _feed(client, login_as, "co_chair")  # manages SPEL Lens: sees its planned meeting
    body = _unfold(client.get(url).data)
    assert "Brouillon du SPEL de Lens" in body and convened.ics_uid in body and "Comité de pilotage de mi-parcours" in body
    url = _feed(client, login_as, "co_chair_bethune")  # not a Lens manager: no Lens draft
    body = _unfold(client.get(url).data)
    assert planned.ics_uid not in body and "Brouillon du SPEL de Lens" not in body
    assert "Comité de pilotage de mi-parcours" in body and convened.ics_uid not in body
    url = _feed(client, login_as, "partner")
    resp = client.get(url)
    body = _unfold(resp.data)
    assert resp.status_code == 200 and "METHOD:PUBLISH" in body
    assert planned.ics_uid not in body and "préparation du plan d'action" not in body  # drafts of SPELs


def test_calendar_feed_query_count_does_not_grow_with_meetings(client, login_as, demo):
    url = _feed(client, login_as, "secretariat")
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        at_state("convened", "spel-lens")
        new_meeting("copil", title=f"Brouillon {n}")
    with count_queries() as more:
        body = _unfold(client.get(url).data)
    assert more.count == few.count and body.count("Brouillon ") == 4


def test_convocation_and_agenda_change_notify_the_invitees_in_app(demo):
    from erbm_portal.notifications.models import EmailState, Notification

    meeting = new_meeting(items=1)
    invitees = {inv.user_id for inv in meeting.invitees}
    services.convene_meeting(meeting)
    rows = db.session.execute(select(Notification).where(Notification.url == f"/reunions/{meeting.id}")).scalars().all()
    assert invitees and {n.user_id for n in rows} == invitees and {n.kind.value for n in rows} == {"convocation_sent"}
    assert {n.email_state for n in rows} == {EmailState.NONE}  # the convocation email (with .ics) is the mail
    db.session.commit()
    services.add_item(meeting, title="Point ajouté", kind="decision", duration=15)
    db.session.commit()
    changed = db.session.execute(select(Notification.user_id).where(
        Notification.url == f"/reunions/{meeting.id}", Notification.kind == "agenda_changed")).scalars().all()
    assert set(changed) == invitees
