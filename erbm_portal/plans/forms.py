from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..core.forms import DateFrField, DecimalFrField, VersionedForm
from .models import ACTION_STATUS_LABELS, AXIS_LABELS


def int_or_zero(value):
    """Choices are ids; anything else becomes 0, which the service reports as an unknown organisation."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class YearField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Saisissez une année sur quatre chiffres (par exemple 2023).") from None


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ActionForm(VersionedForm):
    title = StringField("Intitulé", validators=[DataRequired("Donnez un intitulé à l'action."), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=10000)])
    axis = SelectField("Axe", choices=[(a.value, label) for a, label in AXIS_LABELS.items()],
                       validate_choice=False)
    lead_organisation_id = SelectField("Organisation pilote", coerce=int_or_zero, validate_choice=False)
    partner_ids = CheckboxListField("Organisations partenaires", coerce=int_or_zero, validate_choice=False)
    budget_eur = DecimalFrField("Budget (euros)", validators=[InputRequired("Indiquez le budget en euros (0 si aucun).")])
    start_date = DateFrField("Début", validators=[Optional()])
    end_date = DateFrField("Fin", validators=[Optional()])
    status = SelectField("Statut", choices=[(s.value, label) for s, label in ACTION_STATUS_LABELS.items()],
                         validate_choice=False)
    progress_notes = TextAreaField("Notes d'avancement", validators=[Optional(), Length(max=10000)])


class NewActionForm(ActionForm):
    """Same fields; a new action has no version yet."""

    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class DeleteForm(VersionedForm):
    pass


class PlanCreateForm(FlaskForm):
    spel_id = SelectField("SPEL", coerce=int_or_zero, validate_choice=False)
    year = YearField("Année", validators=[InputRequired("Indiquez l'année du plan.")])
    title = StringField("Intitulé (facultatif)", validators=[Optional(), Length(max=200)])


class SubmitForm(FlaskForm):
    organisations = CheckboxListField("Organisations appelées à valider", coerce=int_or_zero, validate_choice=False)


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Motif du retrait", validators=[DataRequired("Indiquez le motif du retrait."),
                                                             Length(max=2000)])
