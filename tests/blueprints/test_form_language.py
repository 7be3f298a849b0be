"""Every form answers in the user's language, WTForms' own messages included, and keeps what was typed.

The English messages are read from WTForms' and Flask-WTF's installed source, so a message a new version
adds is caught here too.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import wtforms
from flask_babel import LazyString, force_locale
from form_walk import form_classes, leaves
from wtforms import FormField, HiddenField

from matchmaker.blueprints.forms import TRANSLATIONS, Form, SubForm
from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import work as progress
from tests.fixtures.messages import LIBRARY_MESSAGES, english_messages_in


def test_the_library_messages_are_found():
    assert "This field is required." in LIBRARY_MESSAGES
    assert "Not a valid integer value." in LIBRARY_MESSAGES
    assert len(LIBRARY_MESSAGES) > 35
    assert english_messages_in("<div>Number must be between 0 and 10.</div>") == [
        "Number must be between"
    ]


def test_every_form_uses_the_base_form(app):
    assert form_classes()
    wrong = [c.__name__ for c in form_classes() if not issubclass(c, Form)]
    assert not wrong, f"derive these from matchmaker.blueprints.forms.Form: {wrong}"


def test_every_nested_form_uses_the_base_sub_form(app):
    seen, stack = [], list(wtforms.Form.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("matchmaker.") and not issubclass(
            cls, (Form, SubForm)
        ):
            seen.append(cls.__name__)
    with app.test_request_context():
        for cls in form_classes():
            for field in cls(formdata=None, meta={"csrf": False}):
                inner = [e for e in getattr(field, "entries", [field])]
                seen += [
                    type(e.form).__name__
                    for e in inner
                    if isinstance(e, FormField) and not isinstance(e.form, SubForm)
                ]
    assert not seen, f"derive these from matchmaker.blueprints.forms.SubForm: {seen}"


def test_every_library_message_reads_in_vietnamese(ctx):
    untranslated = []
    for message in LIBRARY_MESSAGES:
        if isinstance(message, tuple):
            texts = [TRANSLATIONS.ngettext(*message, n) for n in (1, 2)]
            english = list(message)
        else:
            texts, english = [TRANSLATIONS.gettext(message)], [message]
        if any(t in english for t in texts):
            untranslated.append(message)
    assert not untranslated, (
        "add to blueprints/wtforms_messages.py and translate: " + repr(untranslated)
    )


def test_library_messages_stay_english_in_english(ctx):
    with force_locale("en"):
        assert (
            TRANSLATIONS.gettext("This field is required.") == "This field is required."
        )
        assert TRANSLATIONS.ngettext(
            "Field cannot be longer than %(max)d character.",
            "Field cannot be longer than %(max)d characters.",
            2,
        ) == ("Field cannot be longer than %(max)d characters.")


def test_every_visible_field_has_a_translated_label(app):
    missing = []
    with app.test_request_context():
        for cls in form_classes():
            for field in leaves(cls(formdata=None, meta={"csrf": False})):
                if isinstance(field, HiddenField) or field.type == "CSRFTokenField":
                    continue
                if not isinstance(field.label.text, LazyString):
                    missing.append(f"{cls.__name__}.{field.short_name}")
    assert not missing, f"give these fields a label in _l(): {missing}"


# --- each main form, posted with bad input in the Vietnamese interface -------------------------------------


def _official(request):
    auth = request.getfixturevalue("auth")
    return auth.login_as(Role.OFFICIAL, institution=request.getfixturevalue("agency"))


def _register(request):
    data = {"full_name": "", "email": "không-phải-email", "password": "ab",
            "confirm": "cd", "role": "khách"}  # fmt: skip
    return "/auth/register", data, ["không-phải-email"]


def _login(request):
    return "/auth/login", {"email": "an@", "password": ""}, ["an@"]


def _profile(request):
    request.getfixturevalue("auth").login_as(Role.RESEARCHER)
    data = {"full_name": "", "orcid": "12345", "contact_email": "an@", "fields": "zz"}
    return "/researchers/me", data, ["12345", "an@"]


def _publication(request):
    request.getfixturevalue("auth").login_as(Role.RESEARCHER)
    data = {"title": "", "year": "hai nghìn", "doi": "abc"}
    return "/researchers/me/publications", data, ["hai nghìn", "abc"]


def _need(request):
    enterprise = request.getfixturevalue("make_enterprise")()
    request.getfixturevalue("login_rep")(enterprise)
    data = {"title": "", "description": "", "budget_min": "1,5 tỷ", "budget_max": "nhiều tiền",
            "deadline": "31/02/2026", "trl": "99", "confidentiality": "bí mật"}  # fmt: skip
    return "/enterprises/needs/new", data, ["1,5 tỷ", "nhiều tiền", "31/02/2026"]


def _order(request):
    _official(request)
    data = {"title": "", "agency": "sở", "duration_months": "mười", "state_budget": "1,5",
            "cofunding": "ba trăm triệu"}  # fmt: skip
    return "/orders/new", data, ["mười", "1,5", "ba trăm triệu"]


def _project(request):
    _official(request)
    data = {"title": "", "start_year": "năm ngoái", "budget": "1,5", "pi_email": "an@",
            "status": "xong"}  # fmt: skip
    return "/projects/new", data, ["năm ngoái", "1,5", "an@"]


def _user_create(request):
    request.getfixturevalue("auth").login_as(Role.ADMIN)
    data = {"full_name": "", "email": "an@", "role": "vua"}
    return "/admin/users/new", data, ["an@"]


def _proposal(request):
    now = request.getfixturevalue("now")
    order = request.getfixturevalue("make_published_order")(
        now - timedelta(days=1), now + timedelta(days=30)
    )
    request.getfixturevalue("auth").login(request.getfixturevalue("pi").email)
    data = {"approach": "", "budget": "một tỷ", "team_ids": "x"}
    return f"/orders/{order.id}/proposals/new", data, ["một tỷ"]


def _score(request):
    now = request.getfixturevalue("now")
    official, pi = request.getfixturevalue("official"), request.getfixturevalue("pi")
    order = request.getfixturevalue("make_published_order")(
        now - timedelta(days=10), now - timedelta(hours=1)
    )
    data = proposals.ProposalInput(approach="Mô hình thủy văn", budget=900_000_000)
    proposal = proposals.submit_proposal(pi, order, data, now=now - timedelta(days=5))
    member = request.getfixturevalue("make_user")(
        Role.RESEARCHER,
        institution_id=request.getfixturevalue("institutions")["vlu"].id,
    )
    councils.form_council(official, order, member.id, [])
    for action in (orders.Action.CLOSE_APPLICATIONS, orders.Action.START_REVIEW):
        version = db.session.get(type(order), order.id).version
        orders.apply_action(order.id, official, action, {}, version)
    request.getfixturevalue("auth").login(member.email)
    marks = {"necessity": "tám", "approach": "11", "team_capacity": "-1",
             "feasibility": "6,5", "budget": ""}  # fmt: skip
    return f"/orders/proposals/{proposal.id}/score", marks, ["tám", "11", "6,5"]


AWARD = {
    "contract_number": "05/HĐ-SKHCN", "contract_value": 900_000_000,
    "start_date": date(2026, 11, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [{"amount": 900_000_000, "due_date": date(2027, 12, 1), "label": "Đợt 1"}],
}  # fmt: skip


def _running_order(request):
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    return request.getfixturevalue("make_awarded_order")(
        start, start + timedelta(days=14), start + timedelta(days=16), AWARD,
        pi=request.getfixturevalue("pi"), started=True,
    )  # fmt: skip


def _progress_report(request):
    order = _running_order(request)
    request.getfixturevalue("auth").login(request.getfixturevalue("pi").email)
    data = {"report-period": "", "report-report_date": "hôm qua",
            "report-percent_complete": "năm mươi", "report-text": ""}  # fmt: skip
    return f"/orders/{order.id}/work/reports", data, ["hôm qua", "năm mươi"]


def _disbursement(request):
    order = _running_order(request)
    tranche = progress.ensure_tranches(order)[0]
    auth = request.getfixturevalue("auth")
    auth.login(request.getfixturevalue("official").email)
    data = {"pay-tranche": str(tranche.id), "pay-amount": "1,5",
            "pay-disbursed_on": "01/13/2027", "pay-reference": ""}  # fmt: skip
    return f"/orders/{order.id}/work/disbursements", data, ["1,5", "01/13/2027"]


FORMS = {
    "register": _register, "login": _login, "profile": _profile, "publication": _publication,
    "need": _need, "order": _order, "project": _project, "user": _user_create,
    "proposal": _proposal, "score": _score, "progress_report": _progress_report,
    "disbursement": _disbursement,
}  # fmt: skip


@pytest.mark.parametrize("form", FORMS)
def test_form_refuses_bad_input_in_vietnamese_and_keeps_it(request, client, form):
    url, data, typed = FORMS[form](request)
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert 'lang="vi"' in page and "invalid-feedback" in page, response.status_code
    assert english_messages_in(page) == []
    for value in typed:
        assert f'value="{html.escape(value)}"' in page, value


def test_need_form_reads_a_budget_in_ty_and_says_what_to_type(
    client, make_enterprise, login_rep
):
    login_rep(make_enterprise())
    data = {"title": "Sấy lúa", "description": "Máy sấy tiết kiệm điện", "trl": "",
            "budget_min": "1,5 tỷ", "budget_max": "hai tỷ", "confidentiality": "public"}  # fmt: skip
    page = client.post("/enterprises/needs/new", data=data).get_data(as_text=True)
    errors = re.search(r'id="budget_max-errors".*?</div>\s*</div>', page, re.S)
    assert errors and "Hãy nhập số tiền bằng đồng" in errors.group(0)
    assert 'id="budget_min-errors"' not in page  # "1,5 tỷ" was understood
