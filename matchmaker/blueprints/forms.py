"""The base of every form: WTForms' own messages in the user's language, and the money field.

Every form class derives from :class:`Form` (a page's form, with CSRF) or :class:`SubForm` (a row inside a
``FieldList``/``FormField``). Their ``Meta`` hands WTForms :data:`TRANSLATIONS`, which reads WTForms' and
Flask-WTF's built-in messages ("This field is required.", "Not a valid integer value.") from the app's own
catalogue: WTForms ships no Vietnamese one, so they are listed in ``wtforms_messages.py`` and translated
with the rest. ``tests/blueprints/test_form_language.py`` fails on a form that does not use this base.
"""

from __future__ import annotations

import babel.numbers
import flask_babel
import wtforms
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from matchmaker.validators import InvalidValue, parse_amount


class Translations:
    """WTForms' translations object, answering from the app's catalogue in the current language."""

    def gettext(self, string: str) -> str:
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return flask_babel.get_translations().ungettext(singular, plural, n)


TRANSLATIONS = Translations()


class _Meta:
    """Every message in the user's language, the browser's own checks included; ids unique on a page.

    WTForms marks a required field with the HTML ``required`` attribute, and the browser then stops an empty
    form with a bubble in the browser's language (English in most browsers), before the server could answer
    in the user's. The attribute is left out; ``aria-required`` still tells assistive technology on the
    controls that take it (not on a radio button, nor on the list around a group).
    """

    def get_translations(self, form) -> Translations:
        return TRANSLATIONS

    def render_field(self, field, render_kw):
        if field.type == "CSRFTokenField":
            # A page holds several forms (the navigation's sign-out, for one): their tokens need no id.
            render_kw = {"id": False} | dict(render_kw)
        if field.flags.required:
            extra = {"required": False}
            if _takes_aria_required(field.widget):
                extra["aria-required"] = "true"
            render_kw = extra | dict(render_kw)
        return super().render_field(field, render_kw)


def _takes_aria_required(widget) -> bool:
    if isinstance(widget, wtforms.widgets.Input):
        return widget.input_type not in {"radio", "hidden", "submit"}
    return isinstance(widget, wtforms.widgets.Select | wtforms.widgets.TextArea)


class Form(FlaskForm):
    """A page's form: CSRF-protected, every message in the user's language."""

    class Meta(_Meta):
        pass


class SubForm(wtforms.Form):
    """A group of fields repeated inside a form (no CSRF of its own), in the user's language."""

    class Meta(_Meta):
        pass


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (the pickers of templates/_macros/picker.html use it)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MoneyField(IntegerField):
    """An amount in đồng, typed as people write it (``1.500.000.000``, ``1,5 tỷ``, ``200 triệu``).

    An amount it cannot read is refused with a message saying what to type, and the page shows the text
    as it was typed.
    """

    widget = TextInput()  # a number input would refuse "1.500.000.000" and "1,5 tỷ"

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        if not valuelist[0].strip():
            self.data = None
            return
        decimal_mark = babel.numbers.get_decimal_symbol(flask_babel.get_locale())
        try:
            self.data = parse_amount(valuelist[0], decimal_mark)
        except InvalidValue as error:
            self.data = None
            raise ValueError(str(error.message)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return flask_babel.format_decimal(self.data, "#,##0")
