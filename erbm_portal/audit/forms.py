from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

OBJECT_TYPES = [
    ("", "Tous"),
    ("user_account", "Compte"),
    ("organisation", "Organisation"),
    ("grant", "Droit"),
    ("spel", "SPEL"),
    ("committee", "Comité"),
]


class AuditFilterForm(FlaskForm):
    action = StringField("Action (début du code)", validators=[Optional(), Length(max=60)])
    actor = StringField("Acteur (adresse)", validators=[Optional(), Length(max=254)])
    object_type = SelectField("Type d'objet", choices=OBJECT_TYPES, validators=[Optional()], validate_choice=False)
    date_from = DateField("Du", validators=[Optional()])
    date_to = DateField("Au", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("La date de fin précède la date de début.")
