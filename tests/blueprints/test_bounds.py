"""Every number and date a form accepts has bounds its database column can hold, refused in the user's language."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from form_walk import form_classes, leaves
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    IntegerField,
)
from wtforms.validators import NumberRange

from matchmaker.blueprints import bounds
from matchmaker.blueprints.orders.forms import OrderForm, TransitionForm
from matchmaker.blueprints.orders.proposal_forms import AwardForm
from matchmaker.extensions import db

NUMBERS = (IntegerField, DecimalField, FloatField)
DATES = (DateField, DateTimeField, DateTimeLocalField)
INT4_MAX, BIGINT_MAX = 2**31 - 1, 2**63 - 1


def _capacities() -> dict[str, int]:
    """The largest value each column name holds on PostgreSQL, the smallest when several columns share it."""
    found: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, sa.BigInteger):
                limit = BIGINT_MAX
            elif isinstance(kind, sa.Integer):
                limit = INT4_MAX
            elif isinstance(kind, sa.Numeric) and kind.precision is not None:
                limit = 10 ** (kind.precision - (kind.scale or 0)) - 1
            else:
                continue
            found[column.name] = min(found.get(column.name, limit), limit)
    return found


def _all_fields(app):
    with app.test_request_context():
        for cls in form_classes():
            for field in leaves(cls(formdata=None, meta={"csrf": False})):
                yield cls, field


def test_the_walk_finds_the_forms(app):
    names = {cls.__name__ for cls in form_classes()}
    assert {
        "OrderForm",
        "NeedForm",
        "ProjectForm",
        "ProgressReportForm",
        "ScoreForm",
    } <= names


def test_every_numeric_field_has_bounds_its_column_can_hold(app):
    capacities, checked, problems = _capacities(), 0, []
    for cls, field in _all_fields(app):
        if not isinstance(field, NUMBERS):
            continue
        checked += 1
        ranges = [v for v in field.validators if isinstance(v, NumberRange)]
        where = f"{cls.__name__}.{field.short_name}"
        if not any(r.min is not None and r.max is not None for r in ranges):
            problems.append(f"{where}: no lower and upper bound")
            continue
        # A field stores into the column of its name; without one, into an Integer (int4) at most.
        capacity = capacities.get(field.short_name, INT4_MAX)
        high = min(r.max for r in ranges if r.max is not None)
        low = max(r.min for r in ranges if r.min is not None)
        if high > capacity or low < -capacity - 1:
            problems.append(
                f"{where}: bounds {low}..{high} beyond its column ({capacity})"
            )
    assert checked >= 15
    assert problems == []


def test_every_date_field_has_a_sane_window(app):
    checked, problems = 0, []
    for cls, field in _all_fields(app):
        if isinstance(field, DATES):
            checked += 1
            if not any(isinstance(v, bounds.DateWithin) for v in field.validators):
                problems.append(f"{cls.__name__}.{field.short_name}")
    assert checked >= 10
    assert problems == []


@pytest.mark.parametrize(
    "amount", ["9223372036854775807", "99999999999999999999999999"]
)
def test_an_absurd_budget_is_a_form_error_in_the_users_language(client, auth, amount):
    from matchmaker.models import Institution, InstitutionKind, Role

    agency = Institution(slug="so", name_vi="Sở KH&CN", kind=InstitutionKind.AGENCY)
    db.session.add(agency)
    db.session.commit()
    auth.login_as(Role.OFFICIAL, institution_id=agency.id)
    data = {"title": "Cảnh báo mặn", "agency": str(agency.id), "state_budget": amount}
    response = client.post("/orders/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nhập số tiền từ 0 đến 1.000.000.000.000.000 đồng." in page or (
        "Enter an amount from 0 to 1.000.000.000.000.000 đồng." in page
    )
    assert amount in page  # the form keeps what was typed
    from matchmaker.models import ResearchOrder

    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResearchOrder)) == 0


@pytest.mark.parametrize("form_class", [AwardForm, TransitionForm])
def test_tranches_fall_within_the_contract(app, form_class):
    from werkzeug.datastructures import MultiDict

    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # the messages below are read in English

    def check(schedule: str, start="2027-01-01", end="2028-12-31") -> list:
        data = MultiDict(
            {
                "version": "1", "contract_number": "1/HĐ", "contract_value": "900.000.000",
                "start_date": start, "end_date": end, "payment_schedule": schedule,
            }
        )  # fmt: skip
        with app.test_request_context():
            form = form_class(formdata=data, meta={"csrf": False})
            form.validate()
            return [str(e) for e in form.errors.get("payment_schedule", [])] + [
                str(e) for e in form.errors.get("end_date", [])
            ]

    assert check("900.000.000; 2027-06-01; Đợt 1") == []
    assert "Tranche 1 is due" in check("900.000.000; 1999-06-01; Đợt 1")[0]
    # The settlement after acceptance may fall due within a year of the contract's end.
    assert check("600.000.000; 2027-01-01\n300.000.000; 2029-12-31") == []
    assert (
        "Tranche 2 is due"
        in check("600.000.000; 2027-06-01\n300.000.000; 2031-01-01")[0]
    )
    assert "Tranche 1: enter an amount" in check("99999999999999999999; 2027-06-01")[0]
    assert check("900.000.000; 2027-06-01", start="2027-01-01", end="2026-01-01") in (
        ["The end date comes after the start date."],
        ["Ngày kết thúc phải sau ngày bắt đầu."],
    )


def test_dates_outside_the_window_are_refused(app):
    from werkzeug.datastructures import MultiDict

    for day, ok in (("0001-06-01", False), ("1974-12-31", False), ("2027-06-01", True), ("2101-01-01", False)):  # fmt: skip
        with app.test_request_context():
            form = TransitionForm(
                formdata=MultiDict({"decision_date": day}), meta={"csrf": False}
            )
            assert form.decision_date.validate(form) is ok, day
    assert bounds.DATE_MIN == date(1975, 1, 1)


def test_order_form_amounts_stay_in_range(app):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context():
        too_much = MultiDict({"cofunding": "2.000.000.000.000.000"})
        form = OrderForm(formdata=too_much, meta={"csrf": False})
        assert not form.cofunding.validate(form)
        assert [str(e) for e in form.cofunding.errors] in (
            ["Enter an amount from 0 to 1.000.000.000.000.000 đồng."],
            ["Nhập số tiền từ 0 đến 1.000.000.000.000.000 đồng."],
        )
        negative = OrderForm(
            formdata=MultiDict({"cofunding": "-5"}), meta={"csrf": False}
        )
        assert not negative.cofunding.validate(negative)
        # One message: what to type (the range would only repeat it).
        assert [str(e) for e in negative.cofunding.errors] == [
            "Hãy nhập số tiền bằng đồng, dạng chữ số như 1.500.000.000, hoặc kèm “triệu”, “tỷ” như 1,5 tỷ."
        ]


def test_year_bounds_are_written_as_years(app):
    from werkzeug.datastructures import MultiDict

    from matchmaker.blueprints.researchers.forms import PublicationForm

    with app.test_request_context():
        form = PublicationForm(
            formdata=MultiDict({"year": "1800"}), meta={"csrf": False}
        )
        assert not form.year.validate(form)
        [error] = form.year.errors
        assert "1900" in str(error) and "1.900" not in str(error)
