"""Demo meetings: the mid-term COPIL of 16 January 2023 and, per SPEL, one past and one upcoming meeting.

Idempotent: a meeting is created only if its committee has none with that title.
Everything goes through the services; convocations of past meetings are marked
as sent at their (historical) convocation date so the demo sends no old mail.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from ..accounts.models import Grant, Role, User
from ..core.timeutil import from_paris
from ..directory.models import Committee, Organisation
from ..extensions import db
from ..mail.models import OutboxMessage, OutboxStatus
from . import services
from .models import AttendanceStatus, InvitationResponse, Meeting, MeetingInvitee, MeetingState

COPIL_TITLE = "Comité de pilotage de mi-parcours de l'ERBM"

# (title, kind, minutes, presenter email local part or None, presenter organisation or None, notes)
COPIL_AGENDA = [
    ("Ouverture : l'ERBM à mi-parcours", "information", 15, "secretariat", "Préfecture de la région Hauts-de-France",
     "Cinq ans après la signature du 7 mars 2017, point d'étape sur les deux chantiers prioritaires : "
     "la rénovation des cités minières et l'emploi des habitants du bassin."),
    ("Clauses d'insertion dans les chantiers de réhabilitation des logements miniers", "information", 30, None,
     "Bailleur social des cités minières (démo)",
     "Environ 530 000 heures d'insertion réalisées depuis 2017, pour un objectif initial de 360 000 heures "
     "(soit 47 % au-delà de la cible), grâce à 586 contrats d'insertion répartis sur 35 cités minières. "
     "Résultat obtenu avec les PLIE, les départements, la filière du bâtiment, les bailleurs et l'État."),
    ("Contrat Initiative Emploi « bassin minier » et formation des allocataires du RSA", "discussion", 30, None,
     "Région Hauts-de-France",
     "En 2022, 550 personnes ont été recrutées en CIE bassin minier. Depuis le lancement du dispositif en "
     "juin 2022, plus de 5 000 allocataires du RSA du bassin ont suivi une action de formation. "
     "Échange sur les freins restants et la mobilisation des employeurs."),
    ("Financement de l'insertion par l'activité économique", "decision", 30, None,
     "Préfecture de la région Hauts-de-France",
     "De 2018 à 2022, 13 000 postes en équivalent temps plein ont été financés dans les SIAE du territoire, "
     "pour 193 millions d'euros cumulés ; l'enveloppe de l'État a progressé de 15 % par rapport à 2017. "
     "Le comité est appelé à confirmer la poursuite de cet effort."),
    ("Suites à donner et calendrier des comités de SPEL", "decision", 15, "secretariat", None,
     "Prochaines réunions des quatre SPEL et points à remonter au prochain comité de pilotage."),
]

SPEL_PAST = [
    ("Bilan des clauses d'insertion sur l'arrondissement", "information", 30,
     "État des heures d'insertion réalisées dans les chantiers de rénovation du secteur."),
    ("Recrutements en CIE bassin minier", "discussion", 30,
     "Retours des employeurs et des prescripteurs ; publics encore peu touchés."),
    ("Priorités du plan d'action de l'année", "decision", 30,
     "Arbitrage des trois priorités à inscrire au plan d'action du SPEL."),
]
SPEL_NEXT = [
    ("Suivi des actions décidées à la dernière réunion", "information", 20,
     "Revue du registre des suites : actions closes, en cours et en retard."),
    ("Formation des allocataires du RSA : premiers résultats locaux", "discussion", 40,
     "Présentation par le département et échanges avec les organismes de formation."),
    ("Projet de plan d'action de l'année suivante", "decision", 45,
     "Examen du projet préparé par les co-présidents avant sa mise en signature."),
]


def _by(model, **where):
    return db.session.execute(select(model).filter_by(**where)).scalar_one_or_none()


def _existing(committee: Committee, title: str) -> Meeting | None:
    return db.session.execute(
        select(Meeting).where(Meeting.committee_id == committee.id, Meeting.title == title)).scalar_one_or_none()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return from_paris(datetime.combine(day, time(hour, minute)))


def _user(local: str) -> User | None:
    return _by(User, email=f"{local}@erbm-demo.fr")


def _mark_historical_mail_sent(meeting: Meeting, when: datetime) -> None:
    ids = [inv.id for inv in meeting.invitees]
    db.session.flush()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.related_type == "meeting_invitee", OutboxMessage.related_id.in_(ids),
               OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=when, last_error="demo: convocation historique"))
    for inv in meeting.invitees:
        inv.sent_at = when


def _hold(meeting: Meeting, convened: datetime, answers: dict[int, str] | None = None) -> None:
    services.convene_meeting(meeting, now=convened)
    _mark_historical_mail_sent(meeting, convened)
    for n, inv in enumerate(meeting.invitees):
        services.respond(inv, "excused" if n % 5 == 4 else "present", now=convened + timedelta(days=2))
    services.mark_held(meeting, now=meeting.ends_at)
    for n, inv in enumerate(meeting.invitees):
        status = AttendanceStatus.EXCUSED if inv.response == InvitationResponse.EXCUSED else (
            AttendanceStatus.REMOTE if n % 4 == 3 else AttendanceStatus.PRESENT)
        services.set_attendance(inv, status.value, by=inv.user, now=meeting.ends_at)


def _add_agenda(meeting: Meeting, rows) -> None:
    for title, kind, minutes, presenter, org_name, notes in rows:
        user = _user(presenter) if presenter else None
        org = _by(Organisation, name=org_name) if org_name else None
        services.add_item(meeting, title=title, kind=kind, duration=minutes,
                          presenter_user_id=user.id if user else None,
                          presenter_organisation_id=org.id if org else None, notes=notes)


def _demo_pdf() -> bytes:
    """A tiny valid PDF standing in for the synthesis note presented at the COPIL."""
    text = "Clauses d'insertion : 530 000 heures realisees pour 360 000 visees (+47 %)."
    stream = f"BT /F1 12 Tf 50 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def seed_copil() -> None:
    copil = _by(Committee, slug="copil")
    if copil is None or _existing(copil, COPIL_TITLE):
        return
    day = date(2023, 1, 16)
    meeting = services.create_meeting(
        copil, title=COPIL_TITLE, starts_at=_at(day, 14), ends_at=_at(day, 16, 30),
        place="Préfecture de la région Hauts-de-France, Lille",
        description="Comité de pilotage à mi-parcours du programme : bilan des actions engagées "
                    "pour l'emploi et l'insertion des habitants du bassin minier.")
    # The COPIL gathers the secretariat, the SPEL co-chairs and the signatories of the agreement.
    invited = {inv.user_id for inv in meeting.invitees}
    grants = db.session.execute(
        select(Grant).where(Grant.role.in_([Role.CO_CHAIR, Role.SIGNATORY]))).scalars().all()
    for user_id in sorted({g.user_id for g in grants} - invited):
        services.add_invitee(meeting, user_id)
    _add_agenda(meeting, COPIL_AGENDA)
    services.upload_attachment(meeting.agenda_items[1], filename="Clauses d'insertion — synthèse 2017-2022.pdf",
                               data=_demo_pdf(), uploaded_by=_user("secretariat"))
    _hold(meeting, convened=_at(date(2023, 1, 2), 10))


def seed_spel(committee: Committee, today: date) -> None:
    name = committee.spel.name
    past_title = f"SPEL de {name} — réunion de bilan"
    if not _existing(committee, past_title):
        day = today - timedelta(days=40 + 7 * committee.id % 20)
        meeting = services.create_meeting(
            committee, title=past_title, starts_at=_at(day, 9, 30), ends_at=_at(day, 11, 30),
            place=f"Sous-préfecture de {name}",
            description="Réunion du service public de l'emploi local : bilan des actions en cours.")
        org = _by(Organisation, name=f"Sous-préfecture de {name}")
        _add_agenda(meeting, [(t, k, m, None, org.name if org else None, n) for t, k, m, n in SPEL_PAST])
        _hold(meeting, convened=_at(day - timedelta(days=21), 10))
    next_title = f"SPEL de {name} — préparation du plan d'action"
    if not _existing(committee, next_title):
        day = today + timedelta(days=21 + 7 * committee.id % 14)
        meeting = services.create_meeting(
            committee, title=next_title, starts_at=_at(day, 14), ends_at=_at(day, 16),
            place=f"Sous-préfecture de {name}", video_url="https://webconf.erbm-demo.fr/spel-" + committee.slug,
            description="Réunion en préparation : la convocation n'est pas encore partie.")
        region = _by(Organisation, name="Région Hauts-de-France")
        _add_agenda(meeting, [(t, k, m, None, region.name if region else None, n) for t, k, m, n in SPEL_NEXT])


def seed_demo(today: date | None = None) -> None:
    today = today or date.today()
    seed_copil()
    for committee in db.session.execute(
            select(Committee).where(Committee.spel_id.is_not(None)).order_by(Committee.id)).scalars():
        seed_spel(committee, today)
    db.session.flush()
