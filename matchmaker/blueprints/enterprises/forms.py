"""Forms for enterprise profiles, technology needs and expressions of interest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from matchmaker.blueprints import bounds
from matchmaker.blueprints.auth.forms import email_field, strip_text
from matchmaker.blueprints.forms import Form, MoneyField
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    EnterpriseSize,
    InterestStatus,
    NeedStatus,
    TechNeed,
)
from matchmaker.services import reference
from matchmaker.services.enterprises.companies import EnterpriseInput
from matchmaker.services.enterprises.interests import MESSAGE_MAX
from matchmaker.services.enterprises.needs import TEXT_MAX, TITLE_MAX, NeedInput

SIZE_LABELS = {
    EnterpriseSize.MICRO: _l("Micro"),
    EnterpriseSize.SMALL: _l("Small"),
    EnterpriseSize.MEDIUM: _l("Medium"),
    EnterpriseSize.LARGE: _l("Large"),
}
STATUS_LABELS = {
    NeedStatus.OPEN: _l("Open"),
    NeedStatus.IN_DISCUSSION: _l("In discussion"),
    NeedStatus.FULFILLED: _l("Fulfilled"),
    NeedStatus.WITHDRAWN: _l("Withdrawn"),
}
INTEREST_LABELS = {
    InterestStatus.PENDING: _l("waiting for an answer"),
    InterestStatus.ACCEPTED: _l("accepted"),
    InterestStatus.DECLINED: _l("declined"),
}
CONFIDENTIALITY_LABELS = {
    Confidentiality.PUBLIC: _l("Public: everyone reads everything"),
    Confidentiality.SUMMARY: _l(
        "Summary: everyone sees the title, field and status; signed-in users read the rest"
    ),
    Confidentiality.PRIVATE: _l(
        "Private: only our representatives and the city's officials"
    ),
}


def _none_choice() -> list[SelectChoice]:
    return [SelectChoice("", _l("— not specified —"))]


def size_choices() -> list[SelectChoice]:
    return _none_choice() + [
        SelectChoice(s.value, label) for s, label in SIZE_LABELS.items()
    ]


def field_choices() -> dict[str, list[SelectChoice]]:
    groups: dict[str, list[SelectChoice]] = {"": _none_choice()}
    for code, label, group in reference.subfield_choices():
        groups.setdefault(group, []).append(SelectChoice(code, label))
    return groups


def area_choices() -> list[SelectChoice]:
    return _none_choice() + [
        SelectChoice(key, area.name())
        for key, area in reference.priority_areas().items()
    ]


def trl_choices() -> list[SelectChoice]:
    return _none_choice() + [SelectChoice(str(n), str(n)) for n in range(1, 10)]


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()]


def confidentiality_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, label) for c, label in CONFIDENTIALITY_LABELS.items()]


class EnterpriseForm(Form):
    """An enterprise's profile."""

    name = StringField(
        _l("Enterprise name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=300)],
    )
    tax_code = StringField(
        _l("Tax code (mã số thuế)"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=20)],
    )
    sector = StringField(
        _l("Sector"), filters=[strip_text], validators=[Length(max=200)]
    )
    size = SelectField(_l("Size"), choices=size_choices, default="")
    address = StringField(
        _l("Address"), filters=[strip_text], validators=[Length(max=300)]
    )
    district = StringField(
        _l("District / ward"), filters=[strip_text], validators=[Length(max=120)]
    )
    website = StringField(
        _l("Website"), filters=[strip_text], validators=[Length(max=300)]
    )
    submit = SubmitField(_l("Save"))

    @classmethod
    def for_enterprise(cls, enterprise: Enterprise) -> EnterpriseForm:
        """The form filled with the enterprise's current profile (the request's data wins)."""
        data = {
            key: getattr(enterprise, key) or ""
            for key in ("name", "tax_code", "sector", "address", "district", "website")
        }
        return cls(
            data=data | {"size": enterprise.size.value if enterprise.size else ""}
        )

    def to_input(self) -> EnterpriseInput:
        return EnterpriseInput(
            name=self.name.data,
            tax_code=self.tax_code.data,
            sector=self.sector.data or "",
            size=EnterpriseSize(self.size.data) if self.size.data else None,
            address=self.address.data or "",
            district=self.district.data or "",
            website=self.website.data or "",
        )


class InviteForm(Form):
    """A colleague to add as a representative of the enterprise."""

    full_name = StringField(
        _l("Colleague's full name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=200)],
    )
    email = email_field()
    submit = SubmitField(_l("Send the invitation"))


class NeedForm(Form):
    """A technology need."""

    title = StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=TITLE_MAX)],
    )
    description = TextAreaField(
        _l("The problem"), validators=[DataRequired(), Length(max=TEXT_MAX)]
    )
    desired_outcome = TextAreaField(
        _l("Desired outcome"), validators=[Length(max=TEXT_MAX)]
    )
    targets = TextAreaField(_l("Measurable targets"), validators=[Length(max=TEXT_MAX)])
    trl = SelectField(
        _l("Technology readiness level wanted (TRL)"), choices=trl_choices, default=""
    )
    field_code = SelectField(_l("Field"), choices=field_choices, default="")
    priority_area = SelectField(
        _l("Priority area of the city"), choices=area_choices, default=""
    )
    budget_min = MoneyField(
        _l("Budget from (đồng)"), validators=[Optional(), bounds.money()]
    )
    budget_max = MoneyField(
        _l("Budget up to (đồng)"), validators=[Optional(), bounds.money()]
    )
    deadline = DateField(_l("Deadline"), validators=[Optional(), bounds.dates()])
    cofund = BooleanField(_l("We are willing to co-fund a city research order"))
    confidentiality = SelectField(
        _l("Who may read this need"),
        choices=confidentiality_choices,
        default=Confidentiality.PUBLIC.value,
    )
    submit = SubmitField(_l("Save the need"))

    def to_input(self) -> NeedInput:
        status = getattr(self, "status", None)
        return NeedInput(
            title=self.title.data,
            description=self.description.data or "",
            desired_outcome=self.desired_outcome.data or "",
            targets=self.targets.data or "",
            trl=int(self.trl.data) if self.trl.data else None,
            field_code=self.field_code.data or None,
            priority_area=self.priority_area.data or None,
            budget_min=self.budget_min.data,
            budget_max=self.budget_max.data,
            deadline=self.deadline.data,
            cofund=self.cofund.data,
            confidentiality=Confidentiality(self.confidentiality.data),
            status=NeedStatus(status.data) if status is not None else None,
        )


class NeedEditForm(NeedForm):
    """A technology need being changed, with its status."""

    status = SelectField(_l("Status"), choices=status_choices)

    @classmethod
    def for_need(cls, need: TechNeed) -> NeedEditForm:
        """The form filled with the need as it is (the request's data wins)."""
        text = ("title", "description", "desired_outcome", "targets", "field_code")
        data = {key: getattr(need, key) or "" for key in (*text, "priority_area")}
        return cls(
            data=data
            | {
                "trl": str(need.trl) if need.trl else "",
                "budget_min": need.budget_min,
                "budget_max": need.budget_max,
                "deadline": need.deadline,
                "cofund": need.cofund,
                "confidentiality": need.confidentiality.value,
                "status": need.status.value,
            }
        )


class InterestForm(Form):
    """A researcher's expression of interest."""

    message = TextAreaField(
        _l("Message to the enterprise"),
        validators=[DataRequired(), Length(max=MESSAGE_MAX)],
    )
    on_behalf = BooleanField(_l("On behalf of my institution"))
    submit = SubmitField(_l("Express interest"))
