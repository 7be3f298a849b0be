"""Forms for research projects: one project, and a CSV list of past projects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    EmailField,
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
    Email,
    Length,
    Optional,
)

from matchmaker.blueprints import bounds
from matchmaker.blueprints.auth.forms import strip_text
from matchmaker.blueprints.forms import Form, MoneyField
from matchmaker.blueprints.orders.proposal_forms import person_label
from matchmaker.blueprints.uploads import within_upload_limit
from matchmaker.models import Institution, Project, ProjectStatus, User
from matchmaker.services import reference
from matchmaker.services.projects import registry as projects

STATUS_LABELS = {
    ProjectStatus.IN_PROGRESS: _l("In progress"),
    ProjectStatus.COMPLETED: _l("Completed"),
    ProjectStatus.IN_APPLICATION: _l("Results in application"),
    ProjectStatus.TERMINATED: _l("Terminated"),
}
TEXT_MAX = projects.TEXT_MAX


def _long(label, rows: int = 4) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=TEXT_MAX)], render_kw={"rows": rows}
    )


def _year(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), bounds.year(projects.FIRST_YEAR)],
        render_kw={"inputmode": "numeric"},
    )


class ProjectForm(Form):
    """A research project and its results."""

    title = StringField(
        _l("Title"), filters=[strip_text], validators=[DataRequired(), Length(max=500)]
    )
    summary = _long(_l("Summary: the problem, the approach and what was found"), 5)
    pi_name = StringField(
        _l("Principal investigator"),
        filters=[strip_text],
        validators=[Length(max=projects.NAME_MAX)],
    )
    pi_email = EmailField(
        _l("Principal investigator's e-mail on the platform (optional)"),
        filters=[strip_text],
        validators=[Optional(), Email(), Length(max=254)],
    )
    member_ids = SelectMultipleField(
        _l("Team members with an account on the platform"),
        coerce=int,
        validators=[Optional()],
        render_kw={"data-filter": "1", "size": 8},
    )
    team = _long(_l("Other team members (without an account), one name a line"), 3)
    institution = SelectField(_l("Institution"), validators=[Optional()])
    field_code = SelectField(_l("Research field"), validators=[Optional()])
    priority_area = SelectField(_l("City priority area"), validators=[Optional()])
    start_year = _year(_l("Start year"))
    end_year = _year(_l("End year"))
    status = SelectField(
        _l("Status"),
        choices=lambda: [
            SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()
        ],
        default=ProjectStatus.COMPLETED.value,
    )
    budget = MoneyField(
        _l("Budget (đồng)"),
        validators=[Optional(), bounds.money(0, projects.BUDGET_MAX)],
    )
    products = _long(_l("Products and results"))
    ip = _long(_l("Intellectual property (patents, plant varieties, copyrights)"), 2)
    applied_at = _long(_l("Where the results are applied"), 2)
    submit = SubmitField(_l("Save the project"))

    def fill_choices(
        self, institutions: list[Institution], staff: bool, researchers: list[User]
    ) -> None:
        self.member_ids.choices = [
            SelectChoice(u.id, person_label(u)) for u in researchers
        ]
        blank = [SelectChoice("", _l("— not specified —"))]
        self.institution.choices = (blank if staff else []) + [
            SelectChoice(str(i.id), i.name_vi) for i in institutions
        ]
        self.field_code.choices = blank + [
            SelectChoice(code, label, optgroup=group)
            for code, label, group in reference.subfield_choices()
        ]
        self.priority_area.choices = blank + [
            SelectChoice(key, area.name())
            for key, area in reference.priority_areas().items()
        ]

    def load(self, project: Project) -> None:
        """Show a saved project (the plain fields come from ``obj``)."""
        self.institution.data = str(project.institution_id or "")
        self.field_code.data = project.field_code or ""
        self.priority_area.data = project.priority_area or ""
        self.status.data = project.status.value
        self.team.data = "\n".join(project.team)
        # Pending requests stay pending when saved again; unpicking someone removes their link.
        self.member_ids.data = [m.user_id for m in project.members]
        named = (
            project.pi or project.pending_pi
        )  # a pending request stays pending when saved again
        self.pi_email.data = named.email if named else ""

    def to_input(self) -> projects.ProjectInput:
        return projects.ProjectInput(
            title=self.title.data or "", summary=self.summary.data or "", pi_name=self.pi_name.data or "",
            pi_email=self.pi_email.data or "", team=tuple((self.team.data or "").splitlines()),
            member_ids=tuple(self.member_ids.data or ()),
            institution_id=int(self.institution.data) if self.institution.data else None,
            field_code=self.field_code.data or None, priority_area=self.priority_area.data or None,
            start_year=self.start_year.data, end_year=self.end_year.data,
            status=ProjectStatus(self.status.data), budget=self.budget.data,
            products=self.products.data or "", ip=self.ip.data or "", applied_at=self.applied_at.data or "",
        )  # fmt: skip


class ProjectImportForm(Form):
    """A CSV list of past projects of one institution (UTF-8)."""

    institution = SelectField(_l("Institution"), validators=[DataRequired()])
    upload = FileField(
        _l("Project list (CSV, UTF-8)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Only .csv files.")),
            within_upload_limit,
        ],
    )
    submit = SubmitField(_l("Check the file"))

    def fill_choices(self, institutions: list[Institution]) -> None:
        self.institution.choices = [
            SelectChoice(str(i.id), i.name_vi) for i in institutions
        ]
