"""Demo agreement: the 2017 original in force with its twelve signatures, the 2023 mid-term
avenant n° 1 in an open round, and a draft avenant n° 2 (secretariat only). Idempotent.

Everything goes through the services: the rounds and decisions are those of the shared
sign-off component, with past dates.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..accounts.services import find_user_by_email
from ..core.timeutil import from_paris
from ..demo import reference as ref
from ..directory.models import Organisation
from ..extensions import db
from ..signoff import services as signoff
from ..signoff.models import Decision
from . import services
from .models import Agreement

TITLE = "Engagement pour le renouveau du bassin minier du Nord et du Pas-de-Calais"

ORIGINAL = [
    ("objet", "1", "Objet et durée",
     "Les parties s'engagent dans un programme commun de dix ans, de 2017 à 2027, pour améliorer les "
     "conditions de vie des quelque 1,2 million d'habitants du bassin minier : habitat, mobilité, emploi, "
     "formation, santé et culture.\n\nLe programme vise à réunir les conditions d'un renouveau social, "
     "économique et urbain du territoire."),
    ("renovation", "2", "Rénovation des cités minières",
     "Les parties se fixent pour objectif la rénovation de **23 000 logements miniers** entre 2017 et 2027. "
     "Les bailleurs sociaux propriétaires des cités sont associés à la programmation des chantiers."),
    ("insertion", "3", "Clauses d'insertion",
     "Les marchés de réhabilitation des logements miniers comportent des clauses d'insertion. "
     "L'objectif initial est fixé à **360 000 heures d'insertion** sur la durée du programme, "
     "au bénéfice des habitants éloignés de l'emploi."),
    ("siae", "4", "Structures d'insertion par l'activité économique",
     "Les parcours d'insertion ouverts par les chantiers s'appuient sur les structures d'insertion par "
     "l'activité économique (SIAE) du territoire, dont l'État soutient le financement."),
    ("rsa", "5", "Accompagnement des bénéficiaires du RSA",
     "Les départements du Nord et du Pas-de-Calais organisent, avec l'État et la Région, un accompagnement "
     "renforcé vers l'emploi des bénéficiaires du revenu de solidarité active résidant dans le bassin minier."),
    ("spel", "6", "Coordination des actions pour l'emploi",
     "Dans chacun des arrondissements de Béthune, Lens, Douai et Valenciennes, le service public de l'emploi "
     "local (SPEL) coordonne les actions pour l'emploi avec l'ensemble des acteurs. Il est coprésidé par le "
     "sous-préfet d'arrondissement et un conseiller régional."),
    ("gouvernance", "7", "Gouvernance",
     "Un comité de pilotage (COPIL) réunit les signataires au moins une fois par an. Il suit l'avancement des "
     "mesures et arrête les orientations du programme. Le secrétariat est assuré par la préfecture de région."),
    ("transitoire", "8", "Disposition transitoire",
     "Pour l'année 2017, le suivi des mesures est assuré par des points d'étape trimestriels entre les services "
     "de l'État et de la Région, dans l'attente de la première réunion du comité de pilotage."),
]

AMENDMENT_1 = {
    "title": "Avenant de révision à mi-parcours",
    "statement": (
        "Le comité de pilotage du 16 janvier 2023 a dressé le bilan de mi-parcours du programme. "
        "L'objectif d'heures d'insertion est dépassé, de nouveaux dispositifs d'accès à l'emploi ont été "
        "lancés en 2022 et la disposition transitoire de 2017 n'a plus d'objet. Le présent avenant met le "
        "texte en accord avec ces constats."),
    "changes": [
        dict(op="modify", article_key="insertion", body=(
            "Les marchés de réhabilitation des logements miniers comportent des clauses d'insertion. "
            "L'objectif initial de **360 000 heures d'insertion** est dépassé : près de **530 000 heures** ont "
            "été réalisées depuis 2017, soit 47 % de plus que prévu, à travers 586 contrats d'insertion dans "
            "35 cités minières. Les parties maintiennent cet effort jusqu'au terme du programme.")),
        dict(op="insert", after_key="rsa", number="5 bis", title="Contrat initiative emploi bassin minier",
             body=(
                 "Le contrat initiative emploi (CIE) « bassin minier » facilite le recrutement des habitants "
                 "éloignés de l'emploi ; 550 personnes en ont bénéficié en 2022. Les actions de formation "
                 "ouvertes aux allocataires du RSA depuis juin 2022 sont poursuivies.")),
        dict(op="modify", article_key="siae", body=(
            "Les parcours d'insertion ouverts par les chantiers s'appuient sur les structures d'insertion par "
            "l'activité économique (SIAE) du territoire. L'État a relevé de 15 % l'enveloppe qui leur est "
            "consacrée par rapport à 2017 ; de 2018 à 2022, 13 000 postes en équivalent temps plein y ont été "
            "financés.")),
        dict(op="repeal", article_key="transitoire"),
    ],
}

AMENDMENT_2 = {
    "title": "Rapport annuel d'avancement (projet)",
    "statement": "Le comité de pilotage souhaite un rapport annuel publié sur l'intranet avant chaque réunion.",
    "changes": [
        dict(op="modify", article_key="gouvernance", body=(
            "Un comité de pilotage (COPIL) réunit les signataires au moins une fois par an. Il suit l'avancement "
            "des mesures et arrête les orientations du programme. Un rapport annuel d'avancement est mis à la "
            "disposition des partenaires avant chaque réunion. Le secrétariat est assuré par la préfecture de "
            "région.")),
    ],
}

# Paris wall-clock dates of the signatures.
ORIGINAL_OPENED = datetime(2017, 2, 20, 9, 0)
ORIGINAL_SIGNED = datetime(2017, 3, 7, 11, 0)
AMENDMENT_1_OPENED = datetime(2023, 3, 6, 9, 0)
AMENDMENT_1_SIGNERS = [  # (organisation, Paris time): a few signatures already given
    ("Préfecture de la région Hauts-de-France", datetime(2023, 3, 9, 15, 0)),
    ("Région Hauts-de-France", datetime(2023, 3, 14, 10, 30)),
    ("Département du Nord", datetime(2023, 3, 20, 16, 45)),
]


def _signatory(org_name: str):
    local = ref.SIGNATORY_PEOPLE[org_name][0]
    return find_user_by_email(f"{local}@{ref.EMAIL_DOMAIN}")


def _sign(round_, org: Organisation, at_paris: datetime) -> None:
    signoff.decide(round_.id, user=_signatory(org.name), organisation_id=org.id, decision=Decision.APPROVED,
                   at=from_paris(at_paris), today=at_paris.date())


def seed_demo() -> None:
    if db.session.execute(select(Agreement.id).limit(1)).first() is not None:
        return
    agreement = services.create_agreement(title=TITLE)
    for key, number, title, body in ORIGINAL:
        services.add_original_article(agreement, key=key, number=number, title=title, body=body)

    # The original, signed by the twelve parties; the last signature on 7 March 2017.
    original = agreement.versions[0]
    round_ = services.open_for_signature(original, opened_at=from_paris(ORIGINAL_OPENED))
    parties = [p.organisation for p in agreement.parties]
    for i, org in enumerate(parties):
        at = ORIGINAL_SIGNED if i == len(parties) - 1 else ORIGINAL_SIGNED.replace(hour=10, minute=i * 4)
        _sign(round_, org, at)

    # Avenant n° 1 (2023), in an open round with a few signatures.
    amendment = services.create_amendment(agreement, title=AMENDMENT_1["title"],
                                          statement=AMENDMENT_1["statement"])
    for change in AMENDMENT_1["changes"]:
        services.add_change(amendment, **change)
    round_ = services.open_for_signature(amendment, opened_at=from_paris(AMENDMENT_1_OPENED))
    by_name = {o.name: o for o in parties}
    for name, at in AMENDMENT_1_SIGNERS:
        _sign(round_, by_name[name], at)

    # Avenant n° 2: a draft, seen by the secretariat only.
    draft = services.create_amendment(agreement, title=AMENDMENT_2["title"], statement=AMENDMENT_2["statement"])
    for change in AMENDMENT_2["changes"]:
        services.add_change(draft, **change)

    services.add_annex(agreement, title="Annexe 1 — Liste des 35 cités minières concernées (démo)",
                       filename="annexe-1-cites-minieres.pdf", data=demo_pdf("Annexe 1 - cites minieres"))
    db.session.flush()


def demo_pdf(text: str) -> bytes:
    """A tiny valid one-page PDF (for demo annexes and tests)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
