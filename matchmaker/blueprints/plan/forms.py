"""Forms of the action plan register: a task, an update, a completion and a spreadsheet import."""

from __future__ import annotations

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
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from matchmaker.blueprints import bounds
from matchmaker.blueprints.auth.forms import strip_text
from matchmaker.blueprints.forms import Form
from matchmaker.blueprints.uploads import within_upload_limit
from matchmaker.models import PlanTaskStatus
from matchmaker.services.plan import tasks as plan_tasks
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
    evidence_order = SelectField(
        _l("Research order it produced"), validators=[Optional()]
    )
    evidence_project = SelectField(_l("Project it produced"), validators=[Optional()])
    submit = SubmitField(_l("Mark as completed"))

    def fill_choices(self, orders, projects) -> None:
        blank = [SelectChoice("", _l("— none —"))]
        self.evidence_order.choices = blank + [
            SelectChoice(str(o.id), o.title[:120]) for o in orders
        ]
        self.evidence_project.choices = blank + [
            SelectChoice(str(p.id), p.title[:120]) for p in projects
        ]


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
