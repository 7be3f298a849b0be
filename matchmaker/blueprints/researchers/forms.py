"""Forms for researcher profiles, publications and intellectual property."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    ValidationError,
)

from matchmaker.blueprints import bounds
from matchmaker.blueprints.auth.forms import strip_text
from matchmaker.blueprints.forms import CheckboxesField, Form
from matchmaker.blueprints.uploads import within_upload_limit
from matchmaker.models import IPKind, IPStatus
from matchmaker.services import reference
from matchmaker.services.researchers.profiles import ACADEMIC_TITLES, DEGREES
from matchmaker.validators import (
    InvalidValue,
    normalise_doi,
    normalise_orcid,
    normalise_url,
)

_SPLIT = re.compile(r"[\n;,]+")


def split_list(text: str | None) -> list[str]:
    """One item per line (or separated by commas / semicolons), blanks dropped."""
    return [item.strip() for item in _SPLIT.split(text or "") if item.strip()]


def _blank(label) -> list[SelectChoice]:
    return [SelectChoice("", label)]


def _normalised(normaliser):
    """A validator that replaces the field's data with its canonical form, or explains why it is invalid."""

    def check(_form, field) -> None:
        if field.data:
            try:
                field.data = normaliser(field.data)
            except InvalidValue as error:
                raise ValidationError(str(error)) from error

    return check


def year_field(label) -> IntegerField:
    return IntegerField(
        label, validators=[Optional(), bounds.year(1900, date.today().year + 1)]
    )


class ProfileEditForm(Form):
    """Everything a researcher tells the platform about themselves."""

    full_name = StringField(
        _l("Full name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=200)],
    )
    academic_title = SelectField(_l("Academic title"), validators=[Optional()])
    degree = SelectField(_l("Degree"), validators=[Optional()])
    institution = SelectField(_l("Institution"), validators=[Optional()])
    department = StringField(
        _l("Department"), filters=[strip_text], validators=[Length(max=200)]
    )
    position = StringField(
        _l("Position"), filters=[strip_text], validators=[Length(max=200)]
    )
    fields = CheckboxesField(_l("Research fields"))
    priority_area = SelectField(_l("City priority area"), validators=[Optional()])
    keywords = TextAreaField(
        _l("Expertise keywords"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    summary = TextAreaField(
        _l("Research interests"), validators=[Length(max=5000)], render_kw={"rows": 6}
    )
    capabilities = TextAreaField(
        _l("Laboratory equipment and services"),
        validators=[Length(max=3000)],
        render_kw={"rows": 4},
    )
    orcid = StringField(
        _l("ORCID iD"),
        filters=[strip_text],
        validators=[Length(max=60), _normalised(normalise_orcid)],
    )
    contact_email = StringField(
        _l("Contact e-mail"),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
    )
    links = TextAreaField(
        _l("Personal links"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    open_to_orders = BooleanField(_l("Open to new research orders"))
    public = BooleanField(_l("Show my profile to visitors who are not signed in"))
    submit = SubmitField(_l("Save the profile"))

    def fill_choices(self, institutions) -> None:
        self.academic_title.choices = _blank(_l("— none —")) + [
            SelectChoice(t, t) for t in ACADEMIC_TITLES
        ]
        self.degree.choices = _blank(_l("— none —")) + [
            SelectChoice(d, d) for d in DEGREES
        ]
        self.institution.choices = _blank(_l("— choose —")) + [
            SelectChoice(str(i.id), i.name_vi, optgroup=i.kind.value)
            for i in institutions
        ]
        self.fields.choices = [
            SelectChoice(code, label, optgroup=group)
            for code, label, group in reference.subfield_choices()
        ]
        self.priority_area.choices = _blank(_l("— none —")) + [
            SelectChoice(key, area.name())
            for key, area in reference.priority_areas().items()
        ]

    def validate_keywords(self, field) -> None:
        if any(len(k) > 80 for k in split_list(field.data)):
            raise ValidationError(_l("Each keyword must be at most 80 characters."))
        if len(split_list(field.data)) > 30:
            raise ValidationError(_l("At most 30 keywords."))

    def validate_links(self, field) -> None:
        try:
            field.data = "\n".join(
                normalise_url(link) for link in split_list(field.data)
            )
        except InvalidValue as error:
            raise ValidationError(str(error)) from error
        if len(split_list(field.data)) > 10:
            raise ValidationError(_l("At most 10 links."))


class PublicationForm(Form):
    """One publication typed by hand."""

    title = StringField(
        _l("Title"), filters=[strip_text], validators=[DataRequired(), Length(max=500)]
    )
    authors = StringField(
        _l("Authors"), filters=[strip_text], validators=[Length(max=2000)]
    )
    year = year_field(_l("Year"))
    venue = StringField(
        _l("Journal, conference or publisher"),
        filters=[strip_text],
        validators=[Length(max=300)],
    )
    doi = StringField(
        _l("DOI"),
        filters=[strip_text],
        validators=[Length(max=255), _normalised(normalise_doi)],
    )
    abstract = TextAreaField(
        _l("Abstract"), validators=[Length(max=5000)], render_kw={"rows": 4}
    )
    submit = SubmitField(_l("Add the publication"))


class PublicationImportForm(Form):
    """A BibTeX or RIS file, or BibTeX pasted from a DOI lookup."""

    upload = FileField(
        _l("BibTeX (.bib) or RIS (.ris) file"),
        validators=[
            FileAllowed(
                ["bib", "ris", "txt", "bibtex"], _l("Only .bib, .ris or .txt files.")
            ),
            within_upload_limit,
        ],
    )
    text = TextAreaField(
        _l("…or paste BibTeX entries"),
        validators=[Length(max=2_000_000)],
        render_kw={"rows": 8},
    )
    fmt = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("", _l("Detect")),
            SelectChoice("bibtex", "BibTeX"),
            SelectChoice("ris", "RIS"),
        ],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Preview the import"))

    def validate_text(self, field) -> None:
        if not field.data and not self.upload.data:
            raise ValidationError(_l("Choose a file or paste entries."))


class IPForm(Form):
    """A patent, utility solution, plant variety or copyright."""

    kind = SelectField(
        _l("Kind"),
        choices=lambda: [SelectChoice(k.value, IP_KIND_LABELS[k]) for k in IPKind],
    )
    number = StringField(
        _l("Number"), filters=[strip_text], validators=[Length(max=60)]
    )
    title = StringField(
        _l("Title"), filters=[strip_text], validators=[DataRequired(), Length(max=500)]
    )
    year = year_field(_l("Year"))
    status = SelectField(
        _l("Status"),
        choices=lambda: [SelectChoice(s.value, IP_STATUS_LABELS[s]) for s in IPStatus],
    )
    submit = SubmitField(_l("Add"))


IP_KIND_LABELS = {
    IPKind.PATENT: _l("Patent"),
    IPKind.UTILITY_SOLUTION: _l("Utility solution"),
    IPKind.PLANT_VARIETY: _l("Plant variety"),
    IPKind.COPYRIGHT: _l("Copyright"),
}
IP_STATUS_LABELS = {
    IPStatus.FILED: _l("Filed"),
    IPStatus.GRANTED: _l("Granted"),
    IPStatus.EXPIRED: _l("Expired"),
}
