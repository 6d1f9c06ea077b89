"""Mutations of the reference data (organisations, SPEL attachments, committees)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..audit.services import record
from ..core.errors import ServiceError, StaleEdit
from ..extensions import db
from .models import Committee, CommitteeKind, CommitteeOrganisation, Organisation, OrgKind, PARTNER_SUBTYPES, Spel


def _check_org_fields(name: str, kind: OrgKind, subtype: str | None, exclude_id: int | None = None) -> None:
    q = select(Organisation.id).where(func.lower(Organisation.name) == name.strip().lower())
    if exclude_id:
        q = q.where(Organisation.id != exclude_id)
    if db.session.execute(q).first():
        raise ServiceError("Une organisation porte déjà ce nom.", field="name")
    if subtype and kind != OrgKind.PARTENAIRE:
        raise ServiceError("Seuls les partenaires locaux ont un type de partenaire.", field="subtype")
    if subtype and subtype not in PARTNER_SUBTYPES:
        raise ServiceError("Type de partenaire inconnu.", field="subtype")


def create_organisation(*, name: str, short_name: str, kind: OrgKind, subtype: str | None = None,
                        spel: Spel | None = None, is_agreement_party: bool = False) -> Organisation:
    _check_org_fields(name, kind, subtype)
    org = Organisation(name=name.strip(), short_name=short_name.strip(), kind=kind, subtype=subtype or None,
                       spel=spel, is_agreement_party=is_agreement_party)
    db.session.add(org)
    db.session.flush()
    record("organisation.created", org, summary=org.name,
           details={"kind": kind.value, "spel_id": spel.id if spel else None})
    return org


def update_organisation(org: Organisation, *, expected_version: int, name: str, short_name: str,
                        kind: OrgKind, subtype: str | None, spel: Spel | None,
                        is_agreement_party: bool) -> Organisation:
    if org.version != expected_version:
        raise StaleEdit(org)
    _check_org_fields(name, kind, subtype, exclude_id=org.id)
    before = {"name": org.name, "short_name": org.short_name, "kind": org.kind.value, "subtype": org.subtype,
              "spel_id": org.spel_id, "is_agreement_party": org.is_agreement_party}
    org.name, org.short_name, org.kind = name.strip(), short_name.strip(), kind
    org.subtype = subtype or None
    org.spel = spel
    org.is_agreement_party = is_agreement_party
    after = {"name": org.name, "short_name": org.short_name, "kind": org.kind.value, "subtype": org.subtype,
             "spel_id": spel.id if spel else None, "is_agreement_party": is_agreement_party}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        record("organisation.updated", org, summary=org.name, details={"changed": changed})
    return org


def set_organisation_active(org: Organisation, active: bool, *, expected_version: int) -> None:
    if org.version != expected_version:
        raise StaleEdit(org)
    if org.active != active:
        org.active = active
        record("organisation.activated" if active else "organisation.deactivated", org, summary=org.name)


def create_spel(*, slug: str, name: str) -> Spel:
    spel = Spel(slug=slug, name=name)
    db.session.add(spel)
    db.session.flush()
    record("spel.created", spel, summary=spel.label)
    return spel


def create_committee(*, slug: str, code: str, name: str, spel: Spel | None) -> Committee:
    committee = Committee(slug=slug, code=code, name=name, spel=spel,
                          kind=CommitteeKind.SPEL if spel else CommitteeKind.COPIL)
    db.session.add(committee)
    db.session.flush()
    record("committee.created", committee, summary=name)
    return committee


def invite_organisation(committee: Committee, org: Organisation) -> CommitteeOrganisation:
    link = CommitteeOrganisation(committee=committee, organisation=org)
    db.session.add(link)
    db.session.flush()
    record("committee.organisation_invited", committee, summary=f"{org.name} invitée à « {committee.name} »",
           details={"organisation_id": org.id})
    return link
