"""Forms of an order's work page: milestones, disbursements, progress reports, mid-term check, results."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from matchmaker.blueprints import bounds
from matchmaker.blueprints.auth.forms import strip_text
from matchmaker.blueprints.forms import Form, MoneyField, SubForm
from matchmaker.blueprints.orders.forms import refuse_unconfirmed
from matchmaker.blueprints.researchers.forms import IP_KIND_LABELS, IP_STATUS_LABELS
from matchmaker.lifecycle import Action
from matchmaker.models import IPKind, IPStatus
from matchmaker.services.orders.work.common import AMOUNT_MAX

TEXT_MAX = 10_000
REPORT_MAX = 20_000
RESULT_ROWS = 3  # empty result rows offered; blank rows are ignored
RESULTS_MAX = 30


def _text(label, limit: int = TEXT_MAX, rows: int = 2, required: bool = False):
    checks = [DataRequired()] if required else []
    return TextAreaField(
        label, validators=[*checks, Length(max=limit)], render_kw={"rows": rows}
    )


class MilestoneForm(Form):
    """A milestone an official plans."""

    title = StringField(
        _l("Milestone"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=300)],
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired(), bounds.dates()])
    deliverable = _text(_l("Deliverable (what is handed in)"))
    submit = SubmitField(_l("Add the milestone"))


class MilestoneCompleteForm(Form):
    """An official confirms a milestone as completed."""

    completed_on = DateField(
        _l("Completed on"), validators=[InputRequired(), bounds.dates()]
    )
    evidence = _text(_l("Evidence (minutes, document number…)"), required=True)
    submit = SubmitField(_l("Confirm as completed"))


class DeliverableForm(Form):
    """The principal investigator hands in a milestone's deliverable."""

    note = _text(
        _l("Note to the officials (where the deliverable is, what it contains)")
    )
    submit = SubmitField(_l("Mark the deliverable submitted"))


class DeliverableSendBackForm(Form):
    """An official sends a handed-in deliverable back to the principal investigator for revision."""

    reason = _text(_l("What must be revised (the PI reads it)"), rows=3, required=True)
    submit = SubmitField(_l("Send back for revision"))


class DisbursementForm(Form):
    """A payment against one tranche."""

    tranche = SelectField(_l("Tranche"), coerce=int, validators=[InputRequired()])
    amount = MoneyField(
        _l("Amount disbursed (đồng)"),
        validators=[InputRequired(), bounds.money(1, AMOUNT_MAX)],
    )
    disbursed_on = DateField(
        _l("Disbursed on"), validators=[InputRequired(), bounds.dates()]
    )
    reference = StringField(
        _l("Reference (payment order or decision number)"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=100)],
    )
    note = _text(_l("Note"))
    submit = SubmitField(_l("Record the disbursement"))

    def fill_choices(self, lines) -> None:
        self.tranche.choices = [
            SelectChoice(
                line.tranche.id,
                f"{line.tranche.number}. {line.tranche.label}".strip(" ."),
            )
            for line in lines
        ]


class ProgressReportForm(Form):
    """The principal investigator's progress report."""

    period = StringField(
        _l("Period (e.g. Quarter 1/2027)"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=100)],
    )
    report_date = DateField(
        _l("Report date"), validators=[InputRequired(), bounds.dates()]
    )
    percent_complete = IntegerField(
        _l("Work completed (%)"), validators=[InputRequired(), bounds.percent()]
    )
    text = _text(_l("Progress"), REPORT_MAX, rows=6, required=True)
    milestones = SelectMultipleField(
        _l("Milestones addressed"), coerce=int, validators=[Optional()]
    )
    attachment = FileField(
        _l("Attach a PDF (optional)"), render_kw={"accept": ".pdf,application/pdf"}
    )
    submit = SubmitField(_l("Send the report"))

    def fill_choices(self, milestones) -> None:
        self.milestones.choices = [SelectChoice(m.id, m.title) for m in milestones]


class MidTermForm(Form):
    """The mid-term check (kiểm tra giữa kỳ) an official records."""

    result = _text(_l("Result of the mid-term check"), rows=3, required=True)
    submit = SubmitField(_l("Record the mid-term check"))


class ResultEntryForm(SubForm):
    """One result: the product, its IP filing if any, where it is applied. A blank row is ignored."""

    product = StringField(
        _l("Product"), filters=[strip_text], validators=[Length(max=500)]
    )
    description = _text(_l("Description"))
    ip_kind = SelectField(
        _l("Intellectual property filed"),
        choices=lambda: (
            [SelectChoice("", _l("— none —"))]
            + [SelectChoice(k.value, IP_KIND_LABELS[k]) for k in IPKind]
        ),
        validators=[Optional()],
    )
    ip_number = StringField(
        _l("Application or grant number"),
        filters=[strip_text],
        validators=[Length(max=100)],
    )
    ip_status = SelectField(
        _l("IP status"),
        choices=lambda: [SelectChoice(s.value, IP_STATUS_LABELS[s]) for s in IPStatus],
        validators=[Optional()],
    )
    applied_at = StringField(
        _l("Where it is applied"), filters=[strip_text], validators=[Length(max=300)]
    )
    beneficiary = StringField(
        _l("Beneficiary"), filters=[strip_text], validators=[Length(max=300)]
    )
    transferred_to = StringField(
        _l("Transferred to"),
        filters=[strip_text],
        validators=[Length(max=300)],
    )

    @property
    def is_blank(self) -> bool:
        return not any(
            (self.product.data, self.description.data, self.ip_kind.data,
             self.ip_number.data, self.applied_at.data, self.beneficiary.data,
             self.transferred_to.data)
        )  # fmt: skip

    def validate_product(self, field) -> None:
        if not field.data and not self.is_blank:
            raise ValidationError(_l("Name the product of this result."))

    def validate_ip_number(self, field) -> None:
        if bool(self.ip_kind.data) != bool(field.data):
            raise ValidationError(
                _l("Give both the kind of IP and its application or grant number.")
            )


class ResultsForm(Form):
    """The registration of an accepted task's results."""

    version = HiddenField(validators=[InputRequired()])
    registration_number = StringField(
        _l("Result registration number"),
        filters=[strip_text],
        validators=[Length(max=100)],
    )
    results = FieldList(
        FormField(ResultEntryForm), min_entries=RESULT_ROWS, max_entries=RESULTS_MAX
    )
    confirm = BooleanField(_l("I confirm this step: it cannot be undone"))
    submit = SubmitField(_l("Register the results"))

    def validate_confirm(self, field) -> None:
        refuse_unconfirmed(Action.REGISTER_RESULTS, field)

    def validate_results(self, field) -> None:
        if all(entry.form.is_blank for entry in field.entries):
            raise ValidationError(_l("Register at least one result."))

    def filled(self) -> list[ResultEntryForm]:
        """The rows with something in them."""
        return [entry.form for entry in self.results.entries if not entry.form.is_blank]


class ResultAddForm(Form):
    """One more result of a task whose results are registered, with the fields of the registration."""

    result = FormField(ResultEntryForm)
    submit = SubmitField(_l("Add the result"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        row = self.result.form
        if (
            row.is_blank
        ):  # an empty row is ignored at registration; here it is the whole form
            row.product.errors = [
                *row.product.errors,
                _l("Name the product of this result."),
            ]
            return False
        return valid
