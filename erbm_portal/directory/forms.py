"""Administration forms: organisations, user accounts and grants (messages in French)."""
from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, ValidationError

from ..accounts.models import ROLE_PRECEDENCE, Role
from ..core.forms import VersionedForm
from .models import ORG_KIND_LABELS, PARTNER_SUBTYPES, OrgKind

REQUIRED = "Ce champ est obligatoire."


def _too_long(n: int) -> str:
    return f"{n} caractères au maximum."


def int_or_none(value):
    """Coerce a select value to an int; anything else becomes None (refused by the form)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FrDateField(DateField):
    """A date field whose parse error is in French."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                self.data = datetime.strptime(valuelist[0].strip(), fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("Date invalide : utilisez le format JJ/MM/AAAA.")


# --- Organisations ---------------------------------------------------------

KIND_CHOICES = [(k.value, ORG_KIND_LABELS[k]) for k in OrgKind]
SUBTYPE_CHOICES = [("", "— (aucun)")] + list(PARTNER_SUBTYPES.items())


class OrganisationFields(FlaskForm):
    name = StringField("Nom", validators=[DataRequired(REQUIRED), Length(max=200, message=_too_long(200))])
    short_name = StringField("Nom court", validators=[Optional(), Length(max=60, message=_too_long(60))])
    kind = SelectField("Catégorie", choices=KIND_CHOICES, validate_choice=False,
                       validators=[DataRequired(REQUIRED)])
    subtype = SelectField("Type de partenaire", choices=SUBTYPE_CHOICES, validate_choice=False,
                          validators=[Optional()])
    spel_id = SelectField("Rattachement (arrondissement / SPEL)", coerce=int_or_none, validate_choice=False,
                          validators=[Optional()])
    is_agreement_party = BooleanField("Signataire de l'engagement partenarial")

    def validate_kind(self, field):
        if field.data not in {k.value for k in OrgKind}:
            raise ValidationError("Catégorie inconnue.")

    def validate_subtype(self, field):
        if field.data and field.data not in PARTNER_SUBTYPES:
            raise ValidationError("Type de partenaire inconnu.")

    def validate_spel_id(self, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if raw not in ("", None) and (field.data is None or field.data not in {v for v, _ in field.choices}):
            raise ValidationError("Arrondissement inconnu.")


class OrganisationCreateForm(OrganisationFields):
    pass


class OrganisationEditForm(OrganisationFields, VersionedForm):
    pass


class OrganisationFilterForm(FlaskForm):
    kind = SelectField("Catégorie", choices=[("", "Toutes")] + KIND_CHOICES, validate_choice=False, id="filter-kind",
                       validators=[Optional()])

    def validate_kind(self, field):
        if field.data and field.data not in {k.value for k in OrgKind}:
            raise ValidationError("Catégorie inconnue.")


class ToggleForm(VersionedForm):
    """Deactivate / reactivate: carries the version of the row the person saw."""

    active = HiddenField(validators=[AnyOf(["0", "1"], message="Demande invalide.")])


class ConfirmForm(FlaskForm):
    """A bare POST (revoke a grant): only the CSRF token."""


# --- Users -------------------------------------------------------------------

class UserFields(FlaskForm):
    full_name = StringField("Nom et prénom", validators=[DataRequired(REQUIRED), Length(max=120, message=_too_long(120))])
    email = EmailField("Adresse électronique", validators=[
        DataRequired(REQUIRED), Length(max=254, message=_too_long(254)),
        Email(message="Adresse électronique invalide."),
    ])
    job_title = StringField("Fonction", validators=[Optional(), Length(max=160, message=_too_long(160))])
    organisation_id = SelectField("Organisation", coerce=int_or_none, validate_choice=False)

    def validate_organisation_id(self, field):
        if field.data is None:
            raw = field.raw_data[0] if field.raw_data else ""
            raise ValidationError("Choisissez une organisation." if raw in ("", None) else "Organisation inconnue.")
        if field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Organisation inconnue.")


class UserCreateForm(UserFields):
    password = PasswordField("Mot de passe initial", validators=[
        DataRequired(REQUIRED),
        Length(min=12, max=256, message="Le mot de passe doit comporter entre 12 et 256 caractères."),
    ])


class UserEditForm(UserFields, VersionedForm):
    pass


class UserFilterForm(FlaskForm):
    q = StringField("Nom ou adresse", id="filter-q",
                    validators=[Optional(), Length(max=120, message=_too_long(120))])
    organisation = SelectField("Organisation", coerce=int_or_none, validate_choice=False, id="filter-organisation",
                               validators=[Optional()])

    def validate_organisation(self, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if raw not in ("", None) and (field.data is None or field.data not in {v for v, _ in field.choices}):
            raise ValidationError("Organisation inconnue.")


# --- Grants ------------------------------------------------------------------

GRANTABLE_ROLES = [r for r in ROLE_PRECEDENCE if r != Role.PARTNER]


class GrantForm(FlaskForm):
    role = SelectField("Rôle", choices=[("", "— Choisir un rôle —")] + [(r.value, r.label.capitalize()) for r in GRANTABLE_ROLES],
                       validate_choice=False, validators=[DataRequired("Choisissez un rôle.")])
    # Values look like "spel:3", "committee:2", "organisation:5"; "" for roles without scope.
    scope = SelectField("Périmètre", choices=[], validate_choice=False, validators=[Optional()])
    valid_from = FrDateField("Début de validité", validators=[Optional()])
    valid_to = FrDateField("Fin de validité", validators=[Optional()])
    is_deputy = BooleanField("Suppléance")
    note = StringField("Note", validators=[Optional(), Length(max=200, message=_too_long(200))])

    def validate_role(self, field):
        if field.data not in {r.value for r in GRANTABLE_ROLES}:
            raise ValidationError("Rôle inconnu.")

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError("La fin de validité précède le début.")
