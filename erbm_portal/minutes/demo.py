"""Demo minutes: the mid-term COPIL of 16 January 2023 and one past meeting per SPEL.

Runs after the meetings demo (DOMAINS order), which creates those meetings and their
agendas. Idempotent: a meeting that already has minutes is left alone; a meeting that
does not exist (or is not held yet) is skipped.
Figures come from the seed document (programme mid-term review); sentences are ours.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..core.db import utcnow
from ..core.timeutil import from_paris, to_paris
from ..directory.models import Committee, Organisation
from ..extensions import db
from ..meetings.models import Meeting, MeetingState
from . import services
from .access import SYSTEM_ACCESS
from .models import ActionStatus, Minutes

NB = "\u00a0"  # non-breaking space in French figures

# (keywords matched against agenda item titles, markdown)
COPIL_SECTIONS = [
    (("clause", "insertion", "rénovation", "logement"),
     f"Le secrétariat présente le bilan à mi-parcours des clauses d'insertion dans les marchés de "
     f"réhabilitation des logements miniers.\n\n"
     f"- Environ **530{NB}000 heures d'insertion** réalisées depuis 2017, pour un objectif initial de "
     f"360{NB}000 heures : l'objectif est dépassé de **47{NB}%**.\n"
     f"- **586 contrats d'insertion** signés sur les **35 cités minières** en rénovation.\n\n"
     f"Les membres soulignent le rôle conjoint des PLIE, des départements, de la filière du bâtiment, "
     f"des bailleurs sociaux et de l'État dans ce résultat."),
    (("cie", "contrat initiative", "emploi"),
     f"Le dispositif « Contrat Initiative Emploi bassin minier » a bénéficié à **550 personnes en 2022** "
     f"sur l'ensemble du bassin minier. Le comité souhaite que le dispositif soit poursuivi et que son "
     f"bilan 2023 soit présenté au prochain comité de pilotage."),
    (("rsa", "formation", "département"),
     f"Depuis le lancement du dispositif en juin 2022, **plus de 5{NB}000 allocataires du RSA** du bassin "
     f"minier ont suivi une action de formation, grâce au partenariat avec les départements du Nord et "
     f"du Pas-de-Calais."),
    (("siae", "iae", "insertion par l'activité", "financement"),
     f"L'État a renforcé son soutien aux structures d'insertion par l'activité économique : l'enveloppe "
     f"est en hausse de **15{NB}%** par rapport à 2017. De 2018 à 2022, **13{NB}000 postes (ETP)** ont été "
     f"financés dans les SIAE du territoire, pour **193{NB}millions d'euros** cumulés."),
]
GENERIC_SECTION = "Le point a été présenté au comité ; il n'appelle pas de remarque particulière."

PREFECTURE = "Préfecture de la région Hauts-de-France"

COPIL_DECISIONS = [
    # (keywords of the agenda item, decision text)
    (("clause", "insertion", "rénovation", "logement"),
     f"Le comité de pilotage prend acte du dépassement de l'objectif d'heures d'insertion "
     f"(environ 530{NB}000 heures pour 360{NB}000 visées, soit +47{NB}%) et demande que l'effort soit "
     f"maintenu jusqu'à la fin du programme."),
    (("cie", "contrat initiative", "emploi"),
     "Le Contrat Initiative Emploi bassin minier est reconduit ; son bilan 2023 sera présenté au prochain "
     "comité de pilotage."),
    (("rsa", "formation", "département"),
     f"Les actions de formation des allocataires du RSA (plus de 5{NB}000 participants depuis juin 2022) "
     f"sont poursuivies avec les deux départements."),
    (("siae", "iae", "insertion par l'activité", "financement"),
     f"Le comité confirme la hausse de 15{NB}% de l'enveloppe consacrée aux SIAE et demande un suivi annuel "
     f"des postes financés (13{NB}000 ETP et 193{NB}M€ sur 2018-2022)."),
]

# (title, owner organisation, owner person, due date, status, index of the decision or None)
COPIL_ACTIONS = [
    ("Détailler par cité minière le bilan des 586 contrats d'insertion", PREFECTURE,
     "Chargé de mission ERBM (SGAR)", date(2023, 3, 31), ActionStatus.DONE, 0),
    ("Présenter le bilan 2023 du CIE bassin minier", PREFECTURE, "Chargé de mission ERBM (SGAR)",
     date(2023, 6, 30), ActionStatus.IN_PROGRESS, 1),
    ("Étendre le suivi des allocataires du RSA en formation aux quatre arrondissements", "Département du Nord",
     "Direction de l'insertion", date(2023, 9, 30), ActionStatus.DONE, 2),
    ("Suivre chaque année la consommation de l'enveloppe SIAE", PREFECTURE, "Chargé de mission ERBM (SGAR)",
     date(2023, 12, 31), ActionStatus.OPEN, 3),
    ("Préparer le bilan final 2017-2027 du volet emploi et insertion", PREFECTURE,
     "Chargé de mission ERBM (SGAR)", date(2027, 6, 30), ActionStatus.OPEN, None),
]

SPEL_CONTENT = {
    # slug: (decisions, actions as (title, organisation short name, person, days after meeting or None
    #        for "overdue now", status, decision index))
    "bethune": (
        ["Le SPEL organise le repérage des candidats aux clauses d'insertion des chantiers de rénovation "
         "des cités de l'arrondissement.",
         "Un point d'étape sur les Contrats Initiative Emploi est inscrit à chaque réunion du SPEL."],
        [("Recenser les chantiers de rénovation à venir et leurs heures d'insertion", "CA Béthune-Bruay",
          "Chargée de mission emploi", None, ActionStatus.OPEN, 0),
         ("Réunir les entreprises du bâtiment titulaires des marchés", "Sous-préfecture de Béthune",
          "Secrétaire général", 120, ActionStatus.IN_PROGRESS, 0)]),
    "lens": (
        ["Le SPEL confie au PLIE la coordination des parcours des personnes recrutées au titre des clauses "
         "d'insertion.",
         "Les bailleurs présentent au prochain SPEL leurs actions de remobilisation des locataires les plus "
         "éloignés de l'emploi."],
        [("Établir la liste des participants en parcours clause d'insertion", "PLIE Lens",
          "Responsable des parcours", None, ActionStatus.OPEN, 0),
         ("Présenter les actions de remobilisation des locataires", "Bailleur des cités",
          "Responsable insertion", 90, ActionStatus.DONE, 1),
         ("Organiser une découverte des métiers du bâtiment pour les demandeurs d'emploi", "CA Lens-Liévin",
          "Chargé de mission emploi", 400, ActionStatus.OPEN, None)]),
    "douai": (
        ["Le SPEL soutient la création de postes supplémentaires dans les chantiers d'insertion du "
         "Douaisis.",
         "Les allocataires du RSA en formation sont orientés en priorité vers les métiers de la rénovation."],
        [("Chiffrer les besoins de postes supplémentaires en SIAE", "SIAE Douaisis",
          "Directrice", None, ActionStatus.IN_PROGRESS, 0),
         ("Mettre en relation les organismes de formation et les entreprises de rénovation",
          "CA du Douaisis", "Chargé de mission développement économique", 150, ActionStatus.OPEN, 1)]),
    "valenciennes": (
        ["Le SPEL met en place un suivi mensuel des recrutements en Contrat Initiative Emploi.",
         "Une réunion d'information sur les clauses d'insertion est organisée pour les communes."],
        [("Transmettre chaque mois le nombre de CIE signés", "SPE Valenciennes",
          "Responsable d'agence", None, ActionStatus.OPEN, 0),
         ("Organiser la réunion d'information des communes", "Valenciennes Métropole",
          "Chargée de mission insertion", 60, ActionStatus.DONE, 1)]),
}


def _has_minutes(meeting: Meeting) -> bool:
    return db.session.execute(select(Minutes.id).where(Minutes.meeting_id == meeting.id).limit(1)).first() is not None


def _committee(slug: str) -> Committee | None:
    return db.session.execute(select(Committee).filter_by(slug=slug)).scalar_one_or_none()


def _copil_meeting() -> Meeting | None:
    committee = _committee("copil")
    if committee is None:
        return None
    start = from_paris(datetime.combine(date(2023, 1, 16), time.min))
    return db.session.execute(
        select(Meeting).where(Meeting.committee_id == committee.id, Meeting.starts_at >= start,
                              Meeting.starts_at < start + timedelta(days=1)).order_by(Meeting.id).limit(1)
    ).scalar_one_or_none()


def _past_meeting(slug: str) -> Meeting | None:
    committee = _committee(f"spel-{slug}")
    if committee is None:
        return None
    return db.session.execute(
        select(Meeting).where(Meeting.committee_id == committee.id, Meeting.starts_at < utcnow(),
                              Meeting.state.in_((MeetingState.HELD, MeetingState.CLOSED)))
        .order_by(Meeting.starts_at.desc()).limit(1)
    ).scalar_one_or_none()


def _matches(title: str, keywords) -> bool:
    lowered = title.lower()
    return any(k in lowered for k in keywords)


def _organisation(name: str) -> Organisation | None:
    return db.session.execute(
        select(Organisation).where((Organisation.name == name) | (Organisation.short_name == name))
    ).scalars().first()


def _fill_copil(minutes: Minutes) -> dict[int, int | None]:
    """Write each section from the matching topic; returns decision index -> agenda item id."""
    topics = list(range(len(COPIL_SECTIONS)))
    agenda = [s for s in minutes.sections if not s.is_misc]
    bodies: dict[int, list[str]] = {s.id: [] for s in minutes.sections}
    item_of_topic: dict[int, int | None] = {}
    for index in list(topics):
        keywords, text = COPIL_SECTIONS[index]
        section = next((s for s in agenda if _matches(s.title, keywords)), None)
        if section is not None:
            bodies[section.id].append(text)
            item_of_topic[index] = section.agenda_item_id
            topics.remove(index)
    # Topics no agenda title matched: into the first agenda section left empty, else « Divers ».
    leftover = "\n\n".join(f"### {('Clauses d’insertion', 'CIE bassin minier', 'Allocataires du RSA', 'SIAE')[i]}"
                           f"\n\n{COPIL_SECTIONS[i][1]}" for i in topics)
    if leftover:
        target = next((s for s in agenda if not bodies[s.id]), minutes.sections[-1])
        bodies[target.id].append(leftover)
        for i in topics:
            item_of_topic[i] = target.agenda_item_id
    for section in minutes.sections:
        text = "\n\n".join(bodies[section.id]) or ("" if section.is_misc else GENERIC_SECTION)
        services.update_section(section, access=SYSTEM_ACCESS, body=text, expected_version=section.version)
    return item_of_topic


def _fill_generic(minutes: Minutes, committee: Committee) -> None:
    for section in minutes.sections:
        if not section.is_misc:
            text = (f"Le point « {section.title} » a été présenté aux membres du {committee.name.lower()}. "
                    "Les échanges ont porté sur les parcours d'insertion liés à la rénovation des cités "
                    "minières et sur la mobilisation des acteurs de l'emploi de l'arrondissement.")
            services.update_section(section, access=SYSTEM_ACCESS, body=text, expected_version=section.version)


def _publish(minutes: Minutes, meeting_day: date) -> None:
    today = services.paris_today()
    services.submit_for_review(minutes, access=SYSTEM_ACCESS, deadline=today)
    services.approve(minutes, access=SYSTEM_ACCESS)
    services.publish(minutes, access=SYSTEM_ACCESS)
    # Historical dates for the demo (the audit trail keeps the real ones).
    if meeting_day + timedelta(days=25) <= today:
        minutes.review_deadline = meeting_day + timedelta(days=14)
        minutes.published_at = from_paris(datetime.combine(meeting_day + timedelta(days=25), time(10, 0)))


def _add_actions(minutes, decisions, rows, meeting_day: date) -> None:
    today = services.paris_today()
    for title, org_name, person, due, status, decision_index in rows:
        org = _organisation(org_name)
        if org is None:
            continue
        if isinstance(due, int):
            due = meeting_day + timedelta(days=due)
        elif due is None:  # overdue today: the latest date before today that is not before the meeting
            due = max(meeting_day, min(meeting_day + timedelta(days=30), today - timedelta(days=1)))
        due = max(due, meeting_day)
        decision = decisions[decision_index] if decision_index is not None and decision_index < len(decisions) \
            else None
        action = services.add_action(minutes, access=SYSTEM_ACCESS, title=title, owner_organisation_id=org.id,
                                     owner_person=person, due_date=due,
                                     decision_id=decision.id if decision else None)
        if status != ActionStatus.OPEN:
            db.session.flush()
            if status == ActionStatus.DONE:
                services.set_action_status(action, access=SYSTEM_ACCESS, status=ActionStatus.IN_PROGRESS,
                                           expected_version=action.version)
                db.session.flush()
            services.set_action_status(action, access=SYSTEM_ACCESS, status=status,
                                       expected_version=action.version)


def seed_copil() -> Minutes | None:
    meeting = _copil_meeting()
    if meeting is None or _has_minutes(meeting) or meeting.state not in (MeetingState.HELD, MeetingState.CLOSED):
        return None
    minutes = services.create_minutes(meeting, access=SYSTEM_ACCESS)
    db.session.flush()
    item_of_topic = _fill_copil(minutes)
    decisions = [services.add_decision(minutes, access=SYSTEM_ACCESS, text=text,
                                       agenda_item_id=item_of_topic.get(i))
                 for i, (_keywords, text) in enumerate(COPIL_DECISIONS)]
    meeting_day = to_paris(meeting.starts_at).date()
    _add_actions(minutes, decisions, COPIL_ACTIONS, meeting_day)
    _publish(minutes, meeting_day)
    return minutes


def seed_spel(slug: str) -> Minutes | None:
    meeting = _past_meeting(slug)
    if meeting is None or _has_minutes(meeting):
        return None
    committee = meeting.committee
    decision_texts, action_rows = SPEL_CONTENT[slug]
    minutes = services.create_minutes(meeting, access=SYSTEM_ACCESS)
    db.session.flush()
    _fill_generic(minutes, committee)
    agenda_ids = [s.agenda_item_id for s in minutes.sections if s.agenda_item_id]
    decisions = [services.add_decision(minutes, access=SYSTEM_ACCESS, text=text,
                                       agenda_item_id=agenda_ids[i] if i < len(agenda_ids) else None)
                 for i, text in enumerate(decision_texts)]
    meeting_day = to_paris(meeting.starts_at).date()
    _add_actions(minutes, decisions, action_rows, meeting_day)
    _publish(minutes, meeting_day)
    return minutes


def seed_demo() -> None:
    seed_copil()
    db.session.flush()
    for slug in SPEL_CONTENT:
        seed_spel(slug)
        db.session.flush()
