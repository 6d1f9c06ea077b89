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


# --- Fields that parse French input and answer in French ---------------------------

from decimal import Decimal, InvalidOperation  # noqa: E402

from wtforms import DateField, StringField  # noqa: E402


def parse_decimal_fr(text: str) -> Decimal:
    """« 1 234,50 », « 1234.5 », « 12 000 € » -> Decimal; ValueError otherwise."""
    cleaned = (text or "").strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").rstrip("€")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


class DecimalFrField(StringField):
    """A number typed the French way; a non-numeric value gets a French message."""

    def __init__(self, label=None, validators=None, message="Saisissez un nombre (par exemple 12 500 ou 3,5).",
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse_message = message

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw and self.raw.strip():
            try:
                self.data = parse_decimal_fr(self.raw)
            except ValueError:
                raise ValueError(self.parse_message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = f"{self.data:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")


class DateFrField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Saisissez une date valide (jj/mm/aaaa).") from None
