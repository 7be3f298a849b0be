"""Forms for proposals and the selection council, and the labels their pages show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
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
from matchmaker.blueprints.forms import Form, MoneyField
from matchmaker.blueprints.orders.forms import (
    TEXT_MAX,
    CheckboxesField,
    pdf_files_within_limit,
    refuse_unconfirmed,
    schedule_of,
)
from matchmaker.lifecycle import Action
from matchmaker.models import DeclineReason, ProposalStatus, Role, User
from matchmaker.services.errors import ServiceError
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders.proposals import ApplicationStage
from matchmaker.services.orders.teams import TeamCandidate

STAGE_LABELS = {
    ApplicationStage.SUBMITTED: _l("Submitted: the call is open"),
    ApplicationStage.UNDER_REVIEW: _l("Under review by the council"),
    ApplicationStage.DECIDED: _l("Decided: the order was awarded"),
    ApplicationStage.AWARDED: _l("Awarded: you lead this task"),
    ApplicationStage.AWARDED_TEAM: _l(
        "Awarded: your team carries out this task, led by its principal investigator"
    ),
    ApplicationStage.CLOSED: _l("Closed without a decision on this proposal"),
    ApplicationStage.DECLINED: _l("Declined"),
    ApplicationStage.WITHDRAWN: _l("Withdrawn"),
}

STATUS_LABELS = {
    ProposalStatus.SUBMITTED: _l("Submitted"),
    ProposalStatus.WITHDRAWN: _l("Withdrawn"),
    ProposalStatus.DECLINED: _l("Declined"),
    ProposalStatus.AWARDED: _l("Awarded"),
}

CRITERION_LABELS = {
    "necessity": _l("Necessity"),
    "approach": _l("Scientific approach"),
    "team_capacity": _l("Team capacity"),
    "feasibility": _l("Feasibility"),
    "budget": _l("Budget"),
}

ROLE_LABELS = {
    Role.RESEARCHER: _l("Researcher"),
    Role.OFFICIAL: _l("City official"),
    Role.ADMIN: _l("Administrator"),
}


def optional_int(value) -> int | None:
    """A select's value as an id; the blank "choose…" option is None."""
    return None if value in ("", None) else int(value)


def person_label(user: User, with_role: bool = False) -> str:
    """A person in a list of choices: name, institution, and (for councils) role."""
    parts = [user.full_name]
    if with_role:
        parts.append(str(ROLE_LABELS.get(user.role, user.role.value)))
    if user.institution is not None:
        parts.append(user.institution.name_vi)
    return " — ".join(parts)


def candidate_label(candidate: TeamCandidate) -> str:
    """A researcher in the team picker: name — institution."""
    return " — ".join(p for p in (candidate.name, candidate.institution) if p)


def show_error(form: Form, error: ServiceError, aliases=None) -> bool:
    """Put a service refusal beside the field it names; False when it names none of the form's fields."""
    name = (aliases or {}).get(error.field, error.field)
    field = form._fields.get(name) if name else None
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True


class ProposalForm(Form):
    """A principal investigator's proposal: approach, timeline, budget, team and PDF files."""

    approach = TextAreaField(
        _l("Approach: methods, expected products and how they answer the order"),
        validators=[DataRequired(), Length(max=proposals.APPROACH_MAX)],
        render_kw={"rows": 8},
    )
    timeline = TextAreaField(
        _l("Timeline: the main steps and their months"),
        validators=[Length(max=proposals.TIMELINE_MAX)],
        render_kw={"rows": 4},
    )
    budget = MoneyField(
        _l("Budget requested (đồng)"),
        validators=[InputRequired(), bounds.money(1, proposals.BUDGET_MAX)],
    )
    team_ids = CheckboxesField(
        _l("Team members"),
        coerce=int,
        validators=[Optional()],
        invalid_choice_message=_l(
            "Team members must be active researchers open to collaboration."
        ),
    )
    team_query = StringField(
        _l("Find a researcher open to collaboration"),
        filters=[strip_text],
        validators=[Optional(), Length(max=100)],
    )
    find_team = SubmitField(_l("Find"))
    attachments = MultipleFileField(
        _l("Attach PDF files (CVs, detailed plan…)"),
        validators=[pdf_files_within_limit],
        render_kw={"accept": ".pdf,application/pdf"},
    )
    submit = SubmitField(_l("Save the proposal"))

    def fill_team(
        self, chosen: list[TeamCandidate], found: list[TeamCandidate] = ()
    ) -> None:
        """The team's choices: those chosen (ticked when sent or saved), then those a search found."""
        seen: dict[int, TeamCandidate] = {}
        for candidate in [*chosen, *found]:
            seen.setdefault(candidate.user_id, candidate)
        self.team_ids.choices = [
            SelectChoice(c.user_id, candidate_label(c)) for c in seen.values()
        ]

    def validate_team_ids(self, field) -> None:
        if len(field.data or []) > proposals.TEAM_MAX:
            raise ValidationError(
                _l("A team has at most %(n)d members.", n=proposals.TEAM_MAX)
            )


class ProposalWithdrawForm(Form):
    """Withdraw a proposal (a button with its CSRF token)."""

    submit = SubmitField(_l("Withdraw the proposal"))


class ProposalDeclineForm(Form):
    """An official declines a proposal with a reason code and a comment the applicant reads."""

    reason_code = SelectField(
        _l("Reason"),
        choices=lambda: [
            SelectChoice(code.value, label)
            for code, label in proposals.DECLINE_REASON_LABELS.items()
        ],
        validators=[DataRequired()],
    )
    comment = TextAreaField(
        _l("Comment for the applicant (optional)"),
        validators=[Length(max=proposals.COMMENT_MAX)],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Decline the proposal"))

    def reason(self) -> DeclineReason:
        return DeclineReason(self.reason_code.data)


class AwardForm(Form):
    """The contract recorded when an official awards the order to a proposal."""

    version = HiddenField(validators=[InputRequired()])
    contract_number = StringField(
        _l("Contract number"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=100)],
    )
    contract_value = MoneyField(
        _l("Contract value (đồng)"),
        validators=[InputRequired(), bounds.money(1, proposals.BUDGET_MAX)],
    )
    start_date = DateField(
        _l("Start date"), validators=[InputRequired(), bounds.dates()]
    )
    end_date = DateField(_l("End date"), validators=[InputRequired(), bounds.dates()])
    payment_schedule = TextAreaField(
        _l(
            "Payment schedule: one tranche per line, “amount; due date (YYYY-MM-DD); label”"
        ),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        render_kw={"rows": 3},
    )
    confirm = BooleanField(_l("I confirm this step: it cannot be undone"))
    submit = SubmitField(_l("Award the order to this proposal"))

    def validate_confirm(self, field) -> None:
        refuse_unconfirmed(Action.AWARD, field)

    def validate_version(self, field) -> None:
        if not (field.data or "").isdigit() or len(field.data) > 9:
            raise ValidationError(_l("Reload the page and try again."))

    def validate_end_date(self, field) -> None:
        if problem := bounds.check_period(self.start_date.data, field.data):
            raise ValidationError(problem)

    def validate_payment_schedule(self, field) -> None:
        field.parsed = schedule_of(field.data, self.start_date.data, self.end_date.data)

    def contract(self) -> dict:
        """The AWARD step's fields, typed."""
        return {
            "contract_number": self.contract_number.data,
            "contract_value": self.contract_value.data,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "payment_schedule": self.payment_schedule.parsed,
        }


class CouncilForm(Form):
    """An official forms the selection council: a chair and members."""

    chair = SelectField(
        _l("Chair"),
        coerce=optional_int,
        validators=[InputRequired()],
        render_kw={"data-filter": "1"},
    )
    member_ids = SelectMultipleField(
        _l("Members"),
        coerce=int,
        validators=[Optional()],
        render_kw={"data-filter": "1", "size": 10},
    )
    submit = SubmitField(_l("Form the council"))

    def fill(self, candidates: list[User]) -> None:
        choices = [
            SelectChoice(u.id, person_label(u, with_role=True)) for u in candidates
        ]
        self.chair.choices = [SelectChoice("", _l("— choose the chair —")), *choices]
        self.member_ids.choices = choices

    def validate_member_ids(self, field) -> None:
        if len({self.chair.data, *(field.data or [])}) > councils.COUNCIL_MAX:
            raise ValidationError(
                _l("A council has at most %(n)d members.", n=councils.COUNCIL_MAX)
            )


class ConflictForm(Form):
    """A council member declares a conflict of interest with a proposal."""

    reason = TextAreaField(
        _l("Why you have a conflict of interest"),
        validators=[DataRequired(), Length(max=councils.REASON_MAX)],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Declare the conflict"))


def _mark(criterion: str) -> IntegerField:
    return IntegerField(
        CRITERION_LABELS[criterion],
        validators=[InputRequired(), bounds.count(0, councils.MAX_MARK)],
        render_kw={"min": 0, "max": councils.MAX_MARK},
    )


class ScoreForm(Form):
    """A council member's marks for a proposal, one whole number per criterion."""

    necessity = _mark("necessity")
    approach = _mark("approach")
    team_capacity = _mark("team_capacity")
    feasibility = _mark("feasibility")
    budget = _mark("budget")
    submit = SubmitField(_l("Save my marks"))

    def criteria(self) -> list:
        return [self._fields[name] for name in councils.CRITERIA]

    def marks(self) -> dict[str, int]:
        return {name: self._fields[name].data for name in councils.CRITERIA}
