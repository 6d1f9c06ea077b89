"""Form helpers shared by every domain."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired

from .errors import ServiceError


class VersionedForm(FlaskForm):
    """A form editing an object that carries a version, to refuse stale saves."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def attach_service_error(form: FlaskForm, exc: ServiceError) -> None:
    """Show a service refusal beside the field it concerns, or at the top of the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)
