"""Forms for research orders: the draft, and the fields each lifecycle step records."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
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
from matchmaker.blueprints.forms import CheckboxesField, Form, MoneyField
from matchmaker.lifecycle import (
    IRREVERSIBLE,
    TRANSITIONS,
    VIETNAM_TZ,
    Action,
    SelectionMethod,
)
from matchmaker.services import reference

TEXT_MAX = 10_000

SELECTION_LABELS = {
    SelectionMethod.OPEN_SELECTION: _l("Open selection (tuyển chọn)"),
    SelectionMethod.DIRECT_ASSIGNMENT: _l("Direct assignment (giao trực tiếp)"),
}


PART_LABELS = {
    "necessity": _l("Urgency and necessity"),
    "objectives": _l("Objectives"),
    "main_content": _l("Main content"),
    "expected_products": _l("Expected products and measurable targets"),
    "budget": _l("Budget"),
    "attachments": _l("Attachments"),
}


def _check_pdf(upload) -> None:
    """A PDF name within ATTACHMENT_MAX_BYTES (the service checks the content again when storing it)."""
    if not getattr(upload, "filename", ""):
        return
    if not upload.filename.lower().endswith(".pdf"):
        raise ValidationError(_l("Only PDF files can be attached."))
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > limit:
        raise ValidationError(
            _l("The file is larger than %(mb).1f MB.", mb=limit / 1024 / 1024)
        )


def pdf_files_within_limit(_form, field) -> None:
    for upload in field.data or []:
        _check_pdf(upload)


def pdf_within_limit(_form, field) -> None:
    _check_pdf(field.data)


def _long(label) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=TEXT_MAX)], render_kw={"rows": 4}
    )


class OrderForm(Form):
    """A draft research order."""

    title = StringField(
        _l("Title"), filters=[strip_text], validators=[DataRequired(), Length(max=500)]
    )
    agency = SelectField(_l("Ordering agency"), validators=[DataRequired()])
    beneficiary = StringField(
        _l("Beneficiary who will apply the result"),
        filters=[strip_text],
        validators=[Length(max=300)],
    )
    necessity = _long(
        _l("Urgency and necessity: the problem in the city, with evidence")
    )
    objectives = _long(_l("Objectives"))
    main_content = _long(_l("Main content"))
    expected_products = _long(_l("Expected products and measurable targets"))
    trl = SelectField(_l("Technology readiness level (TRL)"), validators=[Optional()])
    field_code = SelectField(_l("Research field"), validators=[Optional()])
    priority_area = SelectField(_l("City priority area"), validators=[Optional()])
    duration_months = IntegerField(
        _l("Duration (months)"), validators=[Optional(), bounds.months()]
    )
    state_budget = MoneyField(
        _l("State budget (đồng)"), validators=[Optional(), bounds.money()]
    )
    cofunding = MoneyField(
        _l("Co-funding from other sources (đồng)"),
        validators=[Optional(), bounds.money()],
    )
    need = SelectField(
        _l("Enterprise need this order answers (its enterprise co-funds it)"),
        validators=[Optional()],
    )
    plan_task = SelectField(
        _l("Task of the Resolution 57 action plan this order serves"),
        validators=[Optional()],
    )
    internal_parts = CheckboxesField(
        _l("Keep these parts internal (visible to officials only)"),
        choices=[SelectChoice(key, label) for key, label in PART_LABELS.items()],
        validators=[Optional()],
    )
    attachments = MultipleFileField(
        _l("Attach PDF files"),
        validators=[pdf_files_within_limit],
        render_kw={"accept": ".pdf,application/pdf"},
    )
    attachments_public = BooleanField(
        _l("The attached files may be published with the order")
    )
    submit = SubmitField(_l("Save the draft"))

    def fill_choices(self, agencies, needs=(), plan_tasks=()) -> None:
        blank = [SelectChoice("", _l("— not specified —"))]
        self.plan_task.choices = blank + [
            SelectChoice(str(t.id), f"{t.code} — {t.title}"[:160]) for t in plan_tasks
        ]
        self.agency.choices = [SelectChoice(str(a.id), a.name_vi) for a in agencies]
        self.need.choices = blank + [
            SelectChoice(str(n.id), f"{n.title} — {n.enterprise.name}") for n in needs
        ]
        self.trl.choices = blank + [
            SelectChoice(str(n), f"TRL {n}") for n in range(1, 10)
        ]
        self.field_code.choices = blank + [
            SelectChoice(code, label, optgroup=group)
            for code, label, group in reference.subfield_choices()
        ]
        self.priority_area.choices = blank + [
            SelectChoice(key, area.name())
            for key, area in reference.priority_areas().items()
        ]


CONFIRM_REQUIRED = _l(
    "Please tick “I confirm”: this step cannot be undone, so it is only taken once confirmed."
)


def refuse_unconfirmed(action: Action | None, field) -> None:
    """Refuse an irreversible ``action`` whose confirmation box ``field`` is not ticked."""
    if action in IRREVERSIBLE and not field.data:
        raise ValidationError(CONFIRM_REQUIRED)


class TransitionForm(Form):
    """Every field a lifecycle step may record; a page shows only the ones its step needs."""

    version = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2}
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2}
    )
    decision_number = StringField(
        _l("Decision number"), filters=[strip_text], validators=[Length(max=100)]
    )
    decision_date = DateField(
        _l("Decision date"), validators=[Optional(), bounds.dates()]
    )
    selection_method = SelectField(
        _l("Selection method"),
        choices=lambda: [
            SelectChoice(m.value, label) for m, label in SELECTION_LABELS.items()
        ],
        validators=[Optional()],
    )
    application_deadline = DateTimeLocalField(
        _l("Application deadline (Cần Thơ time)"),
        validators=[Optional(), bounds.dates()],
    )
    assignee_organisation = StringField(
        _l("Organisation assigned"), filters=[strip_text], validators=[Length(max=300)]
    )
    justification = TextAreaField(
        _l("Justification of the direct assignment"), validators=[Length(max=TEXT_MAX)]
    )
    council = StringField(
        _l("Council"), filters=[strip_text], validators=[Length(max=300)]
    )
    contract_number = StringField(
        _l("Contract number"), filters=[strip_text], validators=[Length(max=100)]
    )
    contract_value = MoneyField(
        _l("Contract value (đồng)"), validators=[Optional(), bounds.money(1)]
    )
    start_date = DateField(_l("Start date"), validators=[Optional(), bounds.dates()])
    end_date = DateField(_l("End date"), validators=[Optional(), bounds.dates()])
    payment_schedule = TextAreaField(
        _l(
            "Payment schedule: one tranche per line, “amount; due date (YYYY-MM-DD); label”"
        ),
        validators=[Length(max=TEXT_MAX)],
        render_kw={"rows": 3},
    )
    council_result = TextAreaField(
        _l("Council result"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2}
    )
    registration_number = StringField(
        _l("Result registration number"),
        filters=[strip_text],
        validators=[Length(max=100)],
    )
    attachment = FileField(
        _l("Attach a PDF (decision, minutes…)"),
        validators=[pdf_within_limit],
        render_kw={"accept": ".pdf,application/pdf"},
    )
    confirm = BooleanField(_l("I confirm this step: it cannot be undone"))
    submit = SubmitField(_l("Confirm"))

    def __init__(self, *args, action: Action | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action

    def validate_confirm(self, field) -> None:
        """An irreversible step (the lifecycle's IRREVERSIBLE) is refused unless the person confirmed it."""
        refuse_unconfirmed(self.action, field)

    def validate_end_date(self, field) -> None:
        if problem := bounds.check_period(self.start_date.data, field.data):
            raise ValidationError(problem)

    def validate_payment_schedule(self, field) -> None:
        field.parsed = schedule_of(field.data, self.start_date.data, self.end_date.data)

    def scoped(self, action: Action) -> TransitionForm:
        """Give the fields ids of their own step: a page shows several step forms with the same names."""
        for field in self:
            field.id = f"{action.value}-{field.name}"
            field.label.field_id = field.id
        return self

    def fields_for(self, action: Action) -> list:
        """The form fields ``action`` records, in the table's order (closing a call uses what was published)."""
        if action == Action.CLOSE_APPLICATIONS:
            return []
        return [
            getattr(self, f.name)
            for f in TRANSITIONS[action].fields
            if hasattr(self, f.name)
        ]

    def data_for(self, action: Action) -> dict:
        """The typed values of ``action``'s fields, blanks left out so the lifecycle names what is missing."""
        values: dict = {}
        for field in self.fields_for(action):
            value = getattr(field, "parsed", field.data)
            if isinstance(value, datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=VIETNAM_TZ)
            if value not in (None, "", []):
                values[field.name] = value
        return values


_AMOUNT = re.compile(r"[.\s,]")


def schedule_of(text: str | None, start: date | None, end: date | None) -> list[dict]:
    """The tranches typed in a payment schedule, each within the contract; ValidationError says what is wrong."""
    try:
        tranches = parse_tranches(text or "")
    except ValueError as error:
        raise ValidationError(
            _l(
                "Line %(n)s of the payment schedule is not “amount; date; label”.",
                n=str(error),
            )
        ) from error
    if problem := bounds.check_tranches(tranches, start, end):
        raise ValidationError(problem)
    return tranches


def parse_tranches(text: str) -> list[dict]:
    """``"600.000.000; 2027-03-31; Đợt 1"`` lines as tranches; raises ValueError with the bad line number."""
    tranches = []
    for number, line in enumerate(
        (line for line in text.splitlines() if line.strip()), start=1
    ):
        parts = [part.strip() for part in line.split(";")]
        try:
            amount = int(_AMOUNT.sub("", parts[0]))
            due = date.fromisoformat(parts[1]) if len(parts) > 1 and parts[1] else None
        except ValueError as error:
            raise ValueError(number) from error
        tranches.append(
            {
                "amount": amount,
                "due_date": due,
                "label": parts[2] if len(parts) > 2 else "",
            }
        )
    return tranches


STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "published": _l("Published: open call"),
    "applications_closed": _l("Applications closed"),
    "under_review": _l("Under review by the council"),
    "awarded": _l("Awarded"),
    "in_progress": _l("In progress"),
    "acceptance_review": _l("Acceptance review"),
    "accepted": _l("Accepted"),
    "not_accepted": _l("Not accepted"),
    "results_registered": _l("Results registered"),
    "in_application": _l("In application"),
    "closed": _l("Closed"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "terminated": _l("Terminated"),
    "closed_risk_accepted": _l("Closed with risk accepted"),
}

# The list's sortable columns (keys of services.orders.listing.SORTS), as headers and the phone's sort menu.
SORT_LABELS = {
    "title": _l("Order"),
    "agency": _l("Ordering agency"),
    "state": _l("State"),
    "deadline": _l("Application deadline"),
    "budget": _l("State budget"),
    "disbursed": _l("Disbursed"),
    "changed": _l("Last change"),
}

# Why an order is late, in a few words for a crowded list (the full sentence is its tooltip).
LATENESS_LABELS = {
    "milestone_overdue": _l("Milestone overdue"),
    "past_end_date": _l("Contract end passed"),
    "tranche_overdue": _l("Tranche overdue"),
}

ACTION_LABELS = {
    "create": _l("Created"),
    "edit": _l("Draft edited"),
    "mid_term_check": _l("Mid-term check recorded"),
    "submit_deliverable": _l("Deliverable handed in"),
    "return_deliverable": _l("Deliverable sent back for revision"),
    "add_result": _l("Result added"),
    "submit": _l("Submit for approval"),
    "return_for_revision": _l("Return for revision"),
    "reject": _l("Reject"),
    "approve": _l("Approve"),
    "publish": _l("Publish"),
    "close_applications": _l("Close applications"),
    "start_review": _l("Start the council review"),
    "award": _l("Award"),
    "close_without_award": _l("Close without award"),
    "start_work": _l("Start the work"),
    "request_acceptance": _l("Request acceptance"),
    "accept": _l("Accept the results"),
    "not_accept": _l("Do not accept"),
    "register_results": _l("Register the results"),
    "start_application": _l("Start application"),
    "close": _l("Close"),
    "close_with_risk_accepted": _l("Close with risk accepted"),
    "cancel": _l("Cancel"),
    "terminate": _l("Terminate"),
}
