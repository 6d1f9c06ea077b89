"""Every change to the partnership agreement: original, avenants, signature rounds, files.

The text of a version is computed from the original articles and the changes of
avenants 1..N with ``consolidation.consolidate``; it is never stored retyped.
A version opened for signature (or in force) is frozen: its avenant can no
longer be edited. Services leave the commit to the caller.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from sqlalchemy import func, select

from ..audit.services import record, record_now
from ..core.db import utcnow
from ..core.errors import ServiceError, StaleEdit
from ..core.timeutil import to_paris
from ..core.uploads import UploadRejected, detect_kind, safe_filename
from ..core.workflow import Workflow
from ..directory.models import Organisation
from ..extensions import db
from ..signoff import services as signoff
from ..signoff.models import RoundState, SignoffParty, SignoffRound
from . import consolidation as c
from .models import (
    Agreement,
    AgreementArticle,
    AgreementChange,
    AgreementFile,
    AgreementParty,
    AgreementVersion,
    ChangeOp,
    FilePurpose,
    VERSION_STATE_LABELS,
    VersionState,
)

SUBJECT_TYPE = "agreement_version"
MAX_FILE_SIZE = 20 * 1024 * 1024

VERSION_WORKFLOW = Workflow(
    "agreement_version",
    {
        VersionState.DRAFT: frozenset({VersionState.SIGNING}),
        VersionState.SIGNING: frozenset({VersionState.IN_FORCE, VersionState.DRAFT}),
    },
    VERSION_STATE_LABELS,
)


# --- Computing texts ---------------------------------------------------------


def original_text(agreement: Agreement) -> list[c.Article]:
    return [c.Article(a.key, a.number, a.title, a.body) for a in agreement.articles]


def amendment_of(version: AgreementVersion) -> c.Amendment:
    return c.Amendment(
        number=version.number - 1,
        changes=[c.Change(op=ch.op.value, article_key=ch.article_key, number=ch.number, title=ch.title,
                          body=ch.body, after_key=ch.after_key) for ch in version.changes],
    )


def text_of(agreement: Agreement, number: int) -> list[c.Article]:
    """Consolidated text of version ``number`` (raises ``AmendmentError`` if an avenant is invalid)."""
    amendments = [amendment_of(v) for v in agreement.versions if 2 <= v.number <= number]
    return c.consolidate(original_text(agreement), amendments)


def safe_text_of(agreement: Agreement, number: int) -> tuple[list[c.Article], list[str]]:
    """The text, or an empty text and the French messages explaining why it cannot be computed."""
    try:
        return text_of(agreement, number), []
    except c.AmendmentError as exc:
        prefix = f"Avenant n° {exc.amendment_number} : " if exc.amendment_number else ""
        return [], [prefix + m for m in exc.messages]


def version_in_force(agreement: Agreement) -> AgreementVersion | None:
    signed = [v for v in agreement.versions if v.state == VersionState.IN_FORCE]
    return signed[-1] if signed else None


def draft_amendment(agreement: Agreement) -> AgreementVersion | None:
    return next((v for v in agreement.versions if v.number >= 2 and v.state == VersionState.DRAFT), None)


def canonical_content(agreement: Agreement, version: AgreementVersion, articles: list[c.Article]) -> str:
    """What the parties sign: agreement title, version number and the canonical text of its articles."""
    return signoff.canonical_json({
        "convention": agreement.title,
        "version": version.number,
        "articles": json.loads(c.canonical_text(articles)),
    })


def new_key() -> str:
    return f"art-{uuid.uuid4().hex[:10]}"


# --- Agreement and original --------------------------------------------------


def create_agreement(*, title: str, organisation_ids: list[int] | None = None) -> Agreement:
    """The agreement, its parties (by default every organisation marked as a party) and version 1."""
    title = (title or "").strip()
    if not title:
        raise ServiceError("Le titre de la convention est obligatoire.", field="title")
    if organisation_ids is None:
        organisation_ids = db.session.execute(
            select(Organisation.id).where(Organisation.is_agreement_party.is_(True), Organisation.active.is_(True))
            .order_by(Organisation.id)
        ).scalars().all()
    if not organisation_ids:
        raise ServiceError("La convention doit compter au moins une partie signataire.")
    agreement = Agreement(title=title[:300])
    agreement.parties = [AgreementParty(organisation_id=oid, position=i) for i, oid in enumerate(organisation_ids)]
    agreement.versions = [AgreementVersion(number=1, title="Texte initial")]
    db.session.add(agreement)
    db.session.flush()
    record("agreement.created", agreement, summary=title, details={"organisation_ids": list(organisation_ids)})
    return agreement


def _refuse_frozen(version: AgreementVersion) -> None:
    if version.state != VersionState.DRAFT:
        message = (f"La version {version.number} est {version.state_label} : elle ne peut plus être modifiée. "
                   "Toute modification passe par un nouvel avenant.")
        record_now("agreement.edit_refused", object_type="agreement_version", object_id=version.id,
                   summary=message)
        raise ServiceError(message)


def add_original_article(agreement: Agreement, *, number: str, title: str, body: str,
                         key: str | None = None) -> AgreementArticle:
    original = agreement.versions[0]
    _refuse_frozen(original)
    if not (number or "").strip():
        raise ServiceError("Le numéro de l'article est obligatoire.", field="number")
    if not (body or "").strip():
        raise ServiceError("Le texte de l'article ne peut pas être vide.", field="body")
    article = AgreementArticle(key=key or new_key(), number=number.strip(), title=(title or "").strip(),
                               body=body.strip(), position=len(agreement.articles))
    agreement.articles.append(article)
    db.session.flush()
    record("agreement.article_added", article, summary=f"Article {article.number}")
    return article


# --- Avenants ----------------------------------------------------------------


def _clean_statement(statement: str) -> str:
    statement = (statement or "").strip()
    if not statement:
        raise ServiceError("L'exposé des motifs de l'avenant est obligatoire.", field="statement")
    return statement


def create_amendment(agreement: Agreement, *, title: str, statement: str) -> AgreementVersion:
    """A new avenant (version N+1) in draft, on top of the latest version."""
    statement = _clean_statement(statement)
    title = (title or "").strip()
    if not title:
        raise ServiceError("L'intitulé de l'avenant est obligatoire.", field="title")
    draft = draft_amendment(agreement)
    if draft is not None:
        raise ServiceError(f"L'avenant n° {draft.amendment_number} est déjà en préparation : "
                           "terminez-le ou ouvrez-le à la signature avant d'en commencer un autre.")
    if agreement.versions[0].state == VersionState.DRAFT:
        raise ServiceError("Le texte initial n'est pas encore signé : il ne peut pas encore être modifié par avenant.")
    number = agreement.versions[-1].number + 1
    version = AgreementVersion(number=number, title=title[:300], statement=statement)
    agreement.versions.append(version)
    db.session.flush()
    record("agreement.amendment_created", version, summary=f"Avenant n° {number - 1} : {title}")
    return version


def update_amendment(version: AgreementVersion, *, title: str, statement: str, expected_version: int) -> None:
    _refuse_frozen(version)
    if version.version != expected_version:
        raise StaleEdit(version)
    statement = _clean_statement(statement)
    title = (title or "").strip()
    if not title:
        raise ServiceError("L'intitulé de l'avenant est obligatoire.", field="title")
    version.title, version.statement = title[:300], statement
    db.session.flush()
    record("agreement.amendment_updated", version, summary=f"Avenant n° {version.amendment_number}")


def _field_for(message: str, op: str) -> str:
    if "numéro" in message:
        return "number"
    if "texte" in message:
        return "body"
    if "insérer" in message:
        return "after"
    return "article"


def _known_number(agreement: Agreement, key: str) -> str:
    """The last number an article carried in any version, for messages about a repealed article."""
    label = next((a.number for a in agreement.articles if a.key == key), None)
    for version in agreement.versions:
        for ch in version.changes:
            if ch.article_key == key and ch.number:
                label = ch.number
    return label or key


def add_change(version: AgreementVersion, *, op: str, article_key: str | None = None,
               after_key: str | None = None, number: str | None = None, title: str | None = None,
               body: str | None = None) -> AgreementChange:
    """Append a change to a draft avenant; it must apply to the previous version's text."""
    _refuse_frozen(version)
    if version.is_original:
        raise ServiceError("Le texte initial ne se modifie pas par avenant.")
    try:
        op_enum = ChangeOp(op)
    except ValueError:
        raise ServiceError("Choisissez le type de modification.", field="op") from None
    agreement = version.agreement
    previous, errors = safe_text_of(agreement, version.number - 1)
    if errors:
        raise ServiceError("Le texte de la version précédente ne peut pas être établi : " + " ".join(errors))
    existing = amendment_of(version)
    own_errors = c.validate_amendment(previous, existing) if existing.changes else []
    if own_errors:
        raise ServiceError("Les modifications déjà saisies ne s'appliquent plus : " + " ".join(own_errors))

    if op_enum != ChangeOp.INSERT and article_key and article_key not in {a.key for a in previous}:
        raise ServiceError(f"L'article {_known_number(agreement, article_key)} n'existe pas ou a été abrogé.",
                           field="article")
    number = (number or "").strip() or None
    title = (title or "").strip() or None
    body = (body or "").strip() or None
    if op_enum == ChangeOp.INSERT:
        change = c.Change("insert", new_key(), number=number, title=title or "", body=body,
                          after_key=after_key or None)
    elif op_enum == ChangeOp.MODIFY:
        if not article_key:
            raise ServiceError("Choisissez l'article à modifier.", field="article")
        change = c.Change("modify", article_key, number=number, title=title, body=body)
    else:
        if not article_key:
            raise ServiceError("Choisissez l'article à abroger.", field="article")
        change = c.Change("repeal", article_key)
    errors = c.validate_amendment(previous, c.Amendment(existing.number, [*existing.changes, change]))
    if errors:
        raise ServiceError(errors[0], field=_field_for(errors[0], op))
    row = AgreementChange(op=op_enum, article_key=change.article_key, number=change.number,
                          title=change.title, body=change.body, after_key=change.after_key,
                          position=len(version.changes))
    version.changes.append(row)
    db.session.flush()
    record("agreement.change_added", version, summary=f"Avenant n° {version.amendment_number} : {row.op_label}",
           details={"op": row.op.value, "article_key": row.article_key, "number": row.number})
    return row


def delete_change(version: AgreementVersion, change_id: int) -> None:
    _refuse_frozen(version)
    change = next((ch for ch in version.changes if ch.id == change_id), None)
    if change is None:
        raise LookupError(change_id)
    version.changes.remove(change)
    for position, ch in enumerate(version.changes):
        ch.position = position
    db.session.flush()
    record("agreement.change_deleted", version, summary=f"Avenant n° {version.amendment_number}",
           details={"op": change.op.value, "article_key": change.article_key})


# --- Signature ---------------------------------------------------------------


def open_for_signature(version: AgreementVersion, *, opened_by=None, opened_at: datetime | None = None) -> SignoffRound:
    """Freeze the version and open a sign-off round for every party on its consolidated text."""
    _refuse_frozen(version)
    agreement = version.agreement
    if not version.is_original:
        previous = agreement.versions[version.number - 2]
        if previous.state != VersionState.IN_FORCE:
            raise ServiceError(f"La version {previous.number} n'est pas encore en vigueur : "
                               f"l'avenant n° {version.amendment_number} ne peut pas encore être signé.")
        _clean_statement(version.statement)
        if not version.changes:
            raise ServiceError(f"L'avenant n° {version.amendment_number} ne contient aucune modification.")
    elif not agreement.articles:
        raise ServiceError("Le texte initial ne contient aucun article.")
    articles, errors = safe_text_of(agreement, version.number)
    if errors:
        raise ServiceError(" ".join(errors))
    round_ = signoff.open_round(
        SUBJECT_TYPE, version.id, title=f"{agreement.title} — {version.label}",
        content=canonical_content(agreement, version, articles),
        organisation_ids=[p.organisation_id for p in agreement.parties],
        opened_by=opened_by, opened_at=opened_at)
    if version.first_opened_at is None:
        version.first_opened_at = round_.opened_at
    VERSION_WORKFLOW.move(version, VersionState.SIGNING, summary=f"{version.label} ouverte à la signature",
                          details={"round_id": round_.id, "sha256": round_.content_hash})
    return round_


def enter_into_force(version: AgreementVersion, round_: SignoffRound) -> None:
    """Every party has signed: in force on the date (Europe/Paris) of the last signature."""
    last = db.session.execute(
        select(func.max(SignoffParty.decided_at)).where(SignoffParty.round_id == round_.id)
    ).scalar_one()
    on = to_paris(last).date() if last else date.today()
    version.in_force_on = on
    if version.is_original and version.agreement.signed_on is None:
        version.agreement.signed_on = on
    VERSION_WORKFLOW.move(version, VersionState.IN_FORCE, summary=f"{version.label} en vigueur",
                          details={"round_id": round_.id, "in_force_on": on.isoformat()})
    from ..notifications import recipients
    from ..notifications.services import notify
    from .search_source import index_agreement

    index_agreement(version.agreement)
    notify(recipients.signatories_of(p.organisation_id for p in version.agreement.parties), "agreement_in_force",
           f"{version.label} en vigueur", "/convention/", f"En vigueur depuis le {on.strftime('%d/%m/%Y')}.")


def return_to_draft(version: AgreementVersion, round_: SignoffRound, party) -> None:
    VERSION_WORKFLOW.move(version, VersionState.DRAFT, summary=f"{version.label} : modifications demandées",
                          details={"round_id": round_.id, "organisation_id": party.organisation_id})


def current_round(version: AgreementVersion) -> SignoffRound | None:
    """The version's open round, or the one that brought it into force."""
    return db.session.execute(
        select(SignoffRound).where(SignoffRound.subject_type == SUBJECT_TYPE, SignoffRound.subject_id == version.id,
                                   SignoffRound.state.in_([RoundState.OPEN, RoundState.APPROVED]))
        .order_by(SignoffRound.id.desc())
    ).scalars().first()


# --- Files -------------------------------------------------------------------


def _store(agreement: Agreement, *, purpose: FilePurpose, title: str, filename: str, data: bytes,
           uploaded_by=None, version: AgreementVersion | None = None) -> AgreementFile:
    if len(data) > MAX_FILE_SIZE:
        raise ServiceError("Le fichier dépasse la taille maximale de 20 Mo.", field="document")
    try:
        kind = detect_kind(data, filename or "")
    except UploadRejected as exc:
        raise ServiceError(exc.message_fr, field="document") from None
    stored = AgreementFile(agreement_id=agreement.id, version_id=getattr(version, "id", None), purpose=purpose,
                           title=title[:200], filename=safe_filename(filename)[:200], content_type=kind.mimetype,
                           kind=kind.kind, size=len(data), sha256=signoff.sha256_hex(data), data=data,
                           uploaded_by_id=getattr(uploaded_by, "id", None))
    db.session.add(stored)
    db.session.flush()
    return stored


def add_annex(agreement: Agreement, *, title: str, filename: str, data: bytes, uploaded_by=None) -> AgreementFile:
    title = (title or "").strip()
    if not title:
        raise ServiceError("L'intitulé de l'annexe est obligatoire.", field="title")
    stored = _store(agreement, purpose=FilePurpose.ANNEX, title=title, filename=filename, data=data,
                    uploaded_by=uploaded_by)
    record("agreement.annex_added", stored, summary=title, details={"sha256": stored.sha256, "kind": stored.kind})
    return stored


def add_signed_copy(version: AgreementVersion, *, filename: str, data: bytes, uploaded_by=None) -> AgreementFile:
    """Attach the scanned signed copy; its SHA-256 is registered so the verify page recognises it."""
    round_ = current_round(version)
    if round_ is None or version.state == VersionState.DRAFT:
        raise ServiceError("Un exemplaire signé ne peut être joint qu'à une version ouverte à la signature "
                           "ou en vigueur.", field="document")
    stored = _store(version.agreement, purpose=FilePurpose.SIGNED_COPY, title=f"Exemplaire signé — {version.label}",
                    filename=filename, data=data, uploaded_by=uploaded_by, version=version)
    signoff.add_fingerprint(round_, stored.sha256, f"Exemplaire signé numérisé ({stored.filename})")
    record("agreement.signed_copy_added", stored, summary=version.label, details={"sha256": stored.sha256})
    return stored
