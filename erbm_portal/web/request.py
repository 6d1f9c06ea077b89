"""The request class: text typed by a person is cleaned of control characters on arrival.

NUL and the other C0 control characters (tab, line feed and carriage return excepted) have no
place in anything a person types. PostgreSQL refuses NUL in text (a query containing one
fails with a DataError, a 500 for the person), and the others break XML exports and terminals.
They are removed from form fields and query-string values before any view or form sees them.
"""
from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_input(value: str) -> str:
    return _CONTROL.sub("", value)


def _cleaned(data):
    if not any(_CONTROL.search(k) or (isinstance(v, str) and _CONTROL.search(v)) for k, v in data.items(multi=True)):
        return data
    return ImmutableMultiDict([(clean_input(k), clean_input(v) if isinstance(v, str) else v)
                               for k, v in data.items(multi=True)])


class CleanRequest(Request):
    @cached_property
    def args(self):
        return _cleaned(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _cleaned(self.__dict__["form"])
