from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..core.forms import DecimalFrField, VersionedForm
from ..plans.forms import YearField, int_or_zero


class IndicatorForm(VersionedForm):
    code = StringField("Code court", validators=[DataRequired("Donnez un code court à l'indicateur."), Length(max=40)])
    name = StringField("Nom", validators=[DataRequired("Donnez un nom à l'indicateur."), Length(max=200)])
    unit = StringField("Unité", validators=[DataRequired("Précisez l'unité."), Length(max=40)])
    programme_target = DecimalFrField("Objectif du programme sur la période", validators=[Optional()])
    start_year = YearField("Première année", validators=[InputRequired("Indiquez la première année.")])
    end_year = YearField("Dernière année", validators=[InputRequired("Indiquez la dernière année.")])
    additive = BooleanField("Additif (les valeurs des SPEL s'additionnent pour le programme)")
    baseline = DecimalFrField("Valeur de référence (facultatif)", validators=[Optional()])
    baseline_label = StringField("Libellé de la référence", validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class NewIndicatorForm(IndicatorForm):
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class ValueForm(VersionedForm):
    level = SelectField("Niveau", validate_choice=False)
    year = YearField("Année", validators=[InputRequired("Indiquez l'année.")])
    target = DecimalFrField("Cible", validators=[Optional()], message="La cible doit être un nombre (par exemple 1 200 ou 3,5).")
    actual = DecimalFrField("Réalisé", validators=[Optional()], message="Le réalisé doit être un nombre (par exemple 1 200 ou 3,5).")
    source = StringField("Source", validators=[Optional(), Length(max=300)])


class NewValueForm(ValueForm):
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])
