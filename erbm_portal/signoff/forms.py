from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class DecisionForm(FlaskForm):
    decision = RadioField("Décision", choices=[
        ("approved", "J'approuve ce document au nom de mon organisation"),
        ("changes_requested", "Je demande des modifications"),
    ], validators=[DataRequired("Choisissez une décision.")])
    comment = TextAreaField("Commentaire", validators=[Optional(), Length(max=5000)])


class VerifyForm(FlaskForm):
    sha256 = StringField("Empreinte SHA-256", validators=[Optional(), Length(max=200)])
    document = FileField("Ou un fichier à vérifier")

    def validate_sha256(self, field):
        value = (field.data or "").strip()
        if value and not HEX64.match(value):
            raise ValidationError("Une empreinte SHA-256 comporte 64 caractères hexadécimaux (0-9, a-f).")
