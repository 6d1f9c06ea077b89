"""Reference data: organisations, SPEL (arrondissements) and committees."""
from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class OrgKind(str, enum.Enum):
    ETAT = "etat"
    REGION = "region"
    DEPARTEMENT = "departement"
    EPCI = "epci"
    PARTENAIRE = "partenaire"

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]


ORG_KIND_LABELS = {
    OrgKind.ETAT: "État",
    OrgKind.REGION: "Région",
    OrgKind.DEPARTEMENT: "Département",
    OrgKind.EPCI: "Intercommunalité (EPCI)",
    OrgKind.PARTENAIRE: "Partenaire local",
}

PARTNER_SUBTYPES = {
    "bailleur_social": "Bailleur social",
    "plie": "PLIE",
    "siae": "SIAE",
    "spe": "Service public de l'emploi",
    "autre": "Autre partenaire",
}


class Spel(db.Model):
    """An arrondissement and its Service Public de l'Emploi Local."""

    __tablename__ = "spel"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    organisations: Mapped[list["Organisation"]] = relationship(back_populates="spel")

    @property
    def label(self) -> str:
        return f"SPEL de {self.name}"


class Organisation(db.Model):
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[OrgKind] = mapped_column(db.Enum(OrgKind, native_enum=False, length=20))
    subtype: Mapped[str | None] = mapped_column(String(30))
    # EPCI and sous-préfectures belong to one arrondissement; editable data.
    spel_id: Mapped[int | None] = mapped_column(ForeignKey("spel.id"), index=True)
    is_agreement_party: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    spel: Mapped[Spel | None] = relationship(back_populates="organisations")

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def kind_label(self) -> str:
        label = ORG_KIND_LABELS[self.kind]
        if self.subtype:
            label += f" — {PARTNER_SUBTYPES.get(self.subtype, self.subtype)}"
        return label


class CommitteeKind(str, enum.Enum):
    COPIL = "copil"
    SPEL = "spel"


class Committee(db.Model):
    __tablename__ = "committee"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CommitteeKind] = mapped_column(db.Enum(CommitteeKind, native_enum=False, length=10))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(20), unique=True)  # used in decision numbers
    spel_id: Mapped[int | None] = mapped_column(ForeignKey("spel.id"), unique=True)

    spel: Mapped[Spel | None] = relationship()
    invited: Mapped[list["CommitteeOrganisation"]] = relationship(
        back_populates="committee", cascade="all, delete-orphan"
    )

    @property
    def is_copil(self) -> bool:
        return self.kind == CommitteeKind.COPIL


class CommitteeOrganisation(db.Model):
    """An organisation invited to a committee: its staff are partners of it."""

    __tablename__ = "committee_organisation"
    __table_args__ = (UniqueConstraint("committee_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    committee: Mapped[Committee] = relationship(back_populates="invited")
    organisation: Mapped[Organisation] = relationship()
