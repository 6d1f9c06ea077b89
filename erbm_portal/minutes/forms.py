from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..core.forms import VersionedForm
from .models import ACTION_STATUS_LABELS, ActionStatus


class FrDateField(DateField):
    """A date field whose parsing error is in French."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Date invalide : saisissez une date au format jj/mm/aaaa.")


def _new_token() -> str:
    return secrets.token_hex(16)


class OnceForm(FlaskForm):
    """A create form carrying a random token: submitting it twice creates one object."""

    form_token = HiddenField(default=_new_token, validators=[Optional(), Length(max=64)])


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # unknown id: the service answers with a clear message


class SectionForm(VersionedForm):
    body = TextAreaField("Texte de la section (Markdown)", validators=[Length(max=50_000)])


class ReviewForm(FlaskForm):
    deadline = FrDateField("Date limite de relecture", id="review-deadline", validators=[
        InputRequired("Indiquez la date limite de relecture.")])


class CorrectionForm(FlaskForm):
    reason = TextAreaField("Motif de la correction", id="correction-reason", validators=[
        DataRequired("Expliquez le motif de la correction."), Length(max=2000)])


class CommentForm(OnceForm):
    body = TextAreaField("Votre commentaire", validators=[
        DataRequired("Saisissez votre commentaire."), Length(max=5000)])


class DecisionForm(OnceForm):
    agenda_item_id = SelectField("Point de l'ordre du jour", coerce=_optional_int, validate_choice=False,
                                 id="decision-agenda-item")
    text = TextAreaField("Décision", id="decision-text", validators=[DataRequired("Saisissez le texte de la décision."),
                                                Length(max=5000)])


class ActionForm(OnceForm):
    title = StringField("Action à mener", id="action-title", validators=[DataRequired("Décrivez l'action à mener."),
                                                      Length(max=300)])
    owner_organisation_id = SelectField("Organisation responsable", coerce=_optional_int,
                                        validate_choice=False, id="action-owner-organisation")
    owner_person = StringField("Personne responsable", id="action-owner-person", validators=[
        DataRequired("Indiquez la personne responsable."), Length(max=120)])
    due_date = FrDateField("Échéance", id="action-due-date", validators=[InputRequired("Indiquez l'échéance.")])
    decision_id = SelectField("Décision liée", coerce=_optional_int, validate_choice=False, id="action-decision")


STATUS_CHOICES = [(s.value, ACTION_STATUS_LABELS[s].capitalize()) for s in ActionStatus]


class ActionStatusForm(VersionedForm):
    status = SelectField("Statut", choices=STATUS_CHOICES,
                         validators=[DataRequired("Choisissez un statut.")])


class RegisterFilterForm(FlaskForm):
    status = SelectField("Statut", choices=[("", "Tous")] + STATUS_CHOICES, validators=[Optional()])
    owner = SelectField("Organisation responsable", coerce=_optional_int, validate_choice=False,
                        validators=[Optional()])
    overdue = BooleanField("En retard seulement")


class CompareForm(FlaskForm):
    avec = IntegerField("Comparer avec la version", validators=[Optional()])
