from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from .models import CHANNEL_LABELS, KIND_LABELS


def preferences_form(data=None, current=None) -> FlaskForm:
    """One radio group per kind of notification."""

    class PreferencesForm(FlaskForm):
        pass

    choices = [(c.value, label) for c, label in CHANNEL_LABELS.items()]
    for kind, label in KIND_LABELS.items():
        setattr(PreferencesForm, kind.value, RadioField(
            label, choices=choices,
            default=current[kind].value if current else None,
            validators=[InputRequired("Choisissez comment être prévenu·e.")]))
    form = PreferencesForm(formdata=data)
    form.kinds = [form[k.value] for k in KIND_LABELS]
    return form
