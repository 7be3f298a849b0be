"""Forms of the action plan register: a task, an update, a completion and a spreadsheet import."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
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
from matchmaker.blueprints.forms import Form
from matchmaker.blueprints.orders.forms import CheckboxesField
from matchmaker.blueprints.uploads import within_upload_limit
from matchmaker.models import PlanTaskStatus
from matchmaker.services.plan import tasks as plan_tasks
from matchmaker.services.plan.evidence import EvidenceRecord
from matchmaker.services.plan.standing import TaskStanding

STATUS_LABELS = {
    PlanTaskStatus.NOT_STARTED: _l("Not started"),
    PlanTaskStatus.IN_PROGRESS: _l("In progress"),
    PlanTaskStatus.COMPLETED: _l("Completed"),
}
STANDING_LABELS = {
    TaskStanding.COMPLETED: _l("Completed"),
    TaskStanding.ON_SCHEDULE: _l("In progress, on schedule"),
    TaskStanding.LATE: _l("Late"),
    TaskStanding.NOT_STARTED: _l("Not started"),
}
SORT_LABELS = {
    "code": _l("Code"),
    "deadline": _l("Deadline"),
    "agency": _l("Lead agency"),
    "standing": _l("Standing"),
}


class PlanTaskForm(Form):
    """What a task is, who leads it, who cooperates, by when."""

    code = StringField(
        _l("Code"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=plan_tasks.CODE_MAX)],
    )
    title = TextAreaField(
        _l("Task"), filters=[strip_text], validators=[DataRequired(), Length(max=plan_tasks.TITLE_MAX)],
        render_kw={"rows": 3},
    )  # fmt: skip
    plan = StringField(
        _l("Plan"), filters=[strip_text], validators=[Length(max=plan_tasks.PLAN_MAX)],
        render_kw={"placeholder": "KH 22"},
    )  # fmt: skip
    objective = StringField(
        _l("Objective or group"),
        filters=[strip_text],
        validators=[Length(max=plan_tasks.OBJECTIVE_MAX)],
    )
    lead_agency = SelectField(_l("Lead agency"), validators=[DataRequired()])
    partners = SelectMultipleField(
        _l("Cooperating agencies"), validators=[Optional()], render_kw={"size": 6}
    )
    deadline = DateField(_l("Deadline"), validators=[Optional(), bounds.dates()])
    submit = SubmitField(_l("Save the task"))

    def fill_choices(self, agencies) -> None:
        choices = [SelectChoice(str(a.id), a.name_vi) for a in agencies]
        self.lead_agency.choices = [SelectChoice("", _l("— choose —")), *choices]
        self.partners.choices = choices

    def to_input(self) -> plan_tasks.TaskInput:
        return plan_tasks.TaskInput(
            code=self.code.data or "", title=self.title.data or "",
            lead_agency_id=int(self.lead_agency.data or 0), plan=self.plan.data or "",
            objective=self.objective.data or "",
            partner_ids=tuple(int(p) for p in self.partners.data or ()), deadline=self.deadline.data,
        )  # fmt: skip


class PlanUpdateForm(Form):
    """A periodic report on a task."""

    reported_on = DateField(_l("Date"), validators=[InputRequired(), bounds.dates()])
    status_after = SelectField(
        _l("Progress after this update"),
        choices=[
            SelectChoice(s.value, STATUS_LABELS[s])
            for s in (PlanTaskStatus.IN_PROGRESS, PlanTaskStatus.NOT_STARTED)
        ],
        validators=[DataRequired()],
    )
    text = TextAreaField(
        _l("What was done"), filters=[strip_text], validators=[DataRequired(), Length(max=plan_tasks.TEXT_MAX)],
        render_kw={"rows": 3},
    )  # fmt: skip
    submit = SubmitField(_l("Record the update"))


class PlanCompleteForm(Form):
    """The completion of a task and its evidence."""

    completed_on = DateField(
        _l("Completed on"), validators=[InputRequired(), bounds.dates()]
    )
    evidence = TextAreaField(
        _l("Evidence (decision, document)"), filters=[strip_text],
        validators=[DataRequired(), Length(max=plan_tasks.TEXT_MAX)], render_kw={"rows": 2},
    )  # fmt: skip
    evidence_records = CheckboxesField(
        _l("Research order or project it produced"),
        validators=[Optional()],
        invalid_choice_message=_l(
            "Cite only research orders and projects you may see, chosen from the list."
        ),
    )
    evidence_query = StringField(
        _l("Find a research order or project by its title"),
        filters=[strip_text],
        validators=[Optional(), Length(max=100)],
    )
    find_evidence = SubmitField(_l("Find"))
    submit = SubmitField(_l("Mark as completed"))

    def fill_evidence(self, *groups: Iterable[EvidenceRecord]) -> None:
        """The choices: those the official may see among what was sent, the task's own, what a search found."""
        seen: dict[str, EvidenceRecord] = {}
        for record in (r for group in groups for r in group):
            seen.setdefault(record.key, record)
        self.evidence_records.choices = [
            SelectChoice(r.key, f"{r.name} — {r.detail}") for r in seen.values()
        ]

    def validate_evidence_records(self, field) -> None:
        kinds = [key.partition("-")[0] for key in field.data or ()]
        if kinds.count("order") > 1 or kinds.count("project") > 1:
            raise ValidationError(
                _l("Cite at most one research order and one project.")
            )


class PlanImportForm(Form):
    """A spreadsheet of tasks (CSV in UTF-8, or XLSX)."""

    upload = FileField(
        _l("Task list (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a CSV or XLSX file.")),
            FileAllowed(["csv", "txt", "xlsx"], _l("Only .csv or .xlsx files.")),
            within_upload_limit,
        ],
    )
    submit = SubmitField(_l("Check the file"))
