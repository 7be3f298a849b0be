"""The role × route matrix: every route of ``app.url_map``, every role and anonymous visitors.

Each view declares its gate (matchmaker/blueprints/auth/decorators.py: ``open_to_everyone``,
``anonymous_only``, ``signed_in``, ``role_required`` or ``allowed_by`` a rule of the policy module). The
matrix is derived from these declarations: for each visitor it evaluates the gate, so what is expected is the
policy itself, never typed twice. A route without a gate fails test_every_route_declares_its_gate.

RECORD_CHECKS, written by hand, says where a view refuses a role its gate lets in, because the record it
names belongs to someone else (ownership is tested in each blueprint's own tests).
"""

from __future__ import annotations

from functools import cache

import pytest
from route_walk import DEEP
from werkzeug.routing import AnyConverter

from matchmaker.blueprints.auth.decorators import PUBLIC, VISITORS
from matchmaker.models import Role
from matchmaker.services.search import index as search

pytestmark = pytest.mark.abuse

ALL_ROLES = [None, *Role]
IGNORED = {"static", "bootstrap.static"}

# Roles a view's gate lets in but that the view then refuses (403) on the records of ``targets`` below: the
# intent behind each is written next to it. test_record_checks_only_narrow_a_gate keeps the table honest.
RECORD_CHECKS: dict[str, set[Role]] = {
    # Only the enterprise's own representatives (and administrators) manage it and its needs.
    "enterprises.edit": {Role.ENTERPRISE},
    "enterprises.invite": {Role.ENTERPRISE},
    "enterprises.needs.edit": {Role.ENTERPRISE},
    "enterprises.needs.decide_interest": {Role.ENTERPRISE},
    # Only the researcher named as the project's PI, or on its team, while asked, answers.
    "projects.answer_pi": {Role.RESEARCHER},
    "projects.answer_member": {Role.RESEARCHER},
    # A researcher edits only the projects they registered or lead.
    "projects.edit": {Role.RESEARCHER},
    # A lifecycle step needs a lifecycle role on the order (staff, or the PI of its task).
    "orders.act": {Role.RESEARCHER, Role.ENTERPRISE},
    # Officials of the task's lead agency (the visiting official belongs to none) and administrators.
    "plan.record_update": {Role.OFFICIAL},
    "plan.complete": {Role.OFFICIAL},
    # The institutions an order names: the staff's lookup.
    "lookups.institutions": {Role.RESEARCHER, Role.ENTERPRISE},
}
# Values for the URL's string segments (row ids come from ``targets``; an id it has none of: no such row).
SEGMENTS = {
    "job_key": "no-such-job", "name": "none.css", "token": "not-a-token", "figure": "published",
    "purpose": "order", "code": "en", "version": "1.0", "action": "submit",
}  # fmt: skip
NO_SUCH_ROW = 999_999
# The JSON body of the API's POST routes (a read that needs a long text).
JSON_BODIES = {"api.match_researchers": {"text": "xâm nhập mặn sông Hậu"}}


@cache
def _url_map():
    from matchmaker import create_app
    from matchmaker.config import TestConfig

    return create_app(TestConfig).url_map


def pytest_generate_tests(metafunc):
    """``make abuse``: every endpoint of the app's url_map, each in a test of its own (one per role)."""
    if "endpoint" in metafunc.fixturenames:
        endpoints = {rule.endpoint for rule in _url_map().iter_rules()} - IGNORED
        skip = pytest.mark.skip(reason="one test per cell with MATCHMAKER_ABUSE=deep")
        params = sorted(endpoints) if DEEP else [pytest.param("", marks=skip)]
        metafunc.parametrize("endpoint", params)


def gates(app, endpoint: str) -> list[object]:
    """The gates ``endpoint``'s view declares, outermost first (decorators record them as ``access``)."""
    found, view = [], app.view_functions[endpoint]
    while view is not None:
        access = vars(view).get("access")
        if access is not None and all(access is not seen for seen in found):
            found.append(access)
        view = getattr(view, "__wrapped__", None)
    return found


def expected(app, endpoint: str, user) -> str:
    """What the gate gives ``user`` (None: anonymous): ok, home, login or forbidden."""
    declared = gates(app, endpoint)
    if declared == [PUBLIC]:
        return "ok"
    if declared == [VISITORS]:
        return "ok" if user is None else "home"
    assert declared and all(callable(rule) for rule in declared), (endpoint, declared)
    if user is None:
        return "login"
    if not all(rule(user) for rule in declared):
        return "forbidden"
    return "forbidden" if user.role in RECORD_CHECKS.get(endpoint, ()) else "ok"


def test_every_route_declares_its_gate(app):
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED and not gates(app, rule.endpoint)
    ]
    assert missing == []
    assert {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED == {
        rule.endpoint for rule in _url_map().iter_rules()
    } - IGNORED


def test_record_checks_only_narrow_a_gate(app, make_user):
    """A role in RECORD_CHECKS must be one the gate lets in: otherwise the table is stale."""
    users = {role: make_user(role) for role in Role}
    stale = [
        (endpoint, role)
        for endpoint, roles in RECORD_CHECKS.items()
        for role in roles
        if not all(rule(users[role]) for rule in gates(app, endpoint))
    ]
    assert stale == []


def test_the_gates_come_from_the_policy(app, make_user):
    """Spot checks that the derivation reads real declarations (and that the policy says what it says)."""
    admin, researcher = make_user(Role.ADMIN), make_user(Role.RESEARCHER)
    assert expected(app, "main.index", None) == "ok"
    assert expected(app, "auth.login", researcher) == "home"
    assert expected(app, "admin.user_list", None) == "login"
    assert expected(app, "admin.user_list", researcher) == "forbidden"
    assert expected(app, "admin.user_list", admin) == "ok"
    assert expected(app, "dashboard.index", researcher) == "forbidden"


@pytest.fixture
def targets(make_user) -> dict[str, object]:
    """One record of each kind a route may name, owned by someone else than the visitor."""
    from matchmaker.extensions import db
    from matchmaker.models import (
        Attachment,
        Enterprise,
        ImportBatch,
        Institution,
        InstitutionKind,
        IPAsset,
        IPKind,
        IPStatus,
        NeedInterest,
        OutboxMessage,
        PlanTask,
        Project,
        Proposal,
        Publication,
        ResearcherProfile,
        ResearchOrder,
        TechNeed,
        utcnow,
    )

    institution = Institution(
        slug="dhct", name_vi="Trường Đại học Cần Thơ", kind=InstitutionKind.UNIVERSITY
    )
    owner = make_user(Role.RESEARCHER, institution=institution)
    profile = ResearcherProfile(user=owner, keywords=[], links=[])
    publication = Publication(
        researcher=profile, title="Xâm nhập mặn", title_key="xam nhap man"
    )
    asset = IPAsset(
        researcher=profile,
        kind=IPKind.PATENT,
        title="Máy đo mặn",
        status=IPStatus.FILED,
    )
    message = OutboxMessage(recipient=owner.email, subject="s", body="b", sent=True)
    enterprise = Enterprise(
        slug="gao-vang", name="Công ty Gạo Vàng", tax_code="0100109106"
    )
    need = TechNeed(enterprise=enterprise, title="Sấy lúa", description="Lúa ẩm")
    interest = NeedInterest(need=need, user=owner, message="Xin chào")
    agency = Institution(
        slug="so-khcn", name_vi="Sở Khoa học và Công nghệ", kind=InstitutionKind.AGENCY
    )
    order = ResearchOrder(title="Cảnh báo mặn", agency=agency)
    db.session.add_all(
        [
            institution,
            profile,
            publication,
            asset,
            message,
            enterprise,
            need,
            interest,
            order,
        ]
    )
    db.session.flush()
    batch = ImportBatch(
        user_id=owner.id, kind="publications", target_id=profile.id, payload=[]
    )
    attachment = Attachment(
        order_id=order.id,
        filename="a.pdf",
        size=5,
        sha256="0" * 64,
        storage_key="k" * 32,
    )
    project = Project(title="Bản đồ mặn", institution_id=institution.id)
    proposal = Proposal(
        order=order, pi=owner, approach="Mô hình", budget=1, submitted_at=utcnow()
    )
    task = PlanTask(code="KH22-01", title="Dữ liệu mở", lead_agency=agency, evidence="")
    db.session.add_all([batch, attachment, project, proposal, task])
    db.session.commit()
    return {
        "user_id": owner.id, "message_id": message.id, "researcher_id": profile.id,
        "publication_id": publication.id, "asset_id": asset.id, "batch_id": batch.id, "slug": institution.slug,
        "enterprise_id": enterprise.id, "need_id": need.id, "interest_id": interest.id, "order_id": order.id,
        "attachment_id": attachment.id, "project_id": project.id, "proposal_id": proposal.id,
        "task_id": task.id, "institution_id": institution.id,
    }  # fmt: skip


def _request(app, endpoint: str, targets: dict) -> tuple[str, str]:
    """The method and URL for ``endpoint``: GET when it answers one, its rule's segments from ``targets``."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name in targets:
            values[name] = targets[name]
        elif name.endswith("_id"):
            values[name] = NO_SUCH_ROW
        else:
            values[name] = SEGMENTS[name]  # a new string segment: give it a value above
    _domain, path = rule.build(values, append_unknown=False)
    return method, path


def _open(app, client, targets, endpoint: str):
    """Request ``endpoint`` (with ``q`` for the lookups, and its JSON body when it takes one)."""
    method, path = _request(app, endpoint, targets)
    body = {"json": JSON_BODIES[endpoint]} if endpoint in JSON_BODIES else {}
    return client.open(path, method=method, query_string={"q": "can"}, **body)


def _searching(endpoint: str) -> None:
    if endpoint in (
        "api.search_records",
        "ops.readyz",
        "search.index",
        "search.suggest",
    ):
        search.rebuild()  # searching with ``q`` and readiness need an index


def _wrong(app, client, targets, endpoint: str, user) -> str | None:
    """What is wrong with ``endpoint``'s answer to ``user`` (None: anonymous), or None if it is expected."""
    _searching(endpoint)
    outcome = expected(app, endpoint, user)
    method, path = _request(app, endpoint, targets)
    response = _open(app, client, targets, endpoint)
    status, location = response.status_code, response.headers.get("Location", "")
    if outcome == "ok":
        # Allowed in: the page, a redirect after an action, 404 for another person's record, or 409 when
        # the business rules refuse the step itself (an order's lifecycle).
        ok = status in (200, 302, 404, 409) and "/auth/login" not in location
    elif outcome == "home":
        ok = status == 302 and location == "/"
    elif outcome == "login":
        ok = status == 302 and "/auth/login?next=" in location
    else:
        ok = status == 403
    return (
        None
        if ok
        else f"{status} {endpoint} {method} {path} → {location}; expected {outcome}"
    )


ROLE_IDS = {"ids": lambda r: r.value if r else "anonymous"}


@pytest.mark.parametrize("role", ALL_ROLES, **ROLE_IDS)
def test_every_route_answers_each_role_as_its_gate_says(
    app, client, auth, targets, role
):
    """The whole matrix, one role at a time: every endpoint in turn with one session (signing out last).

    The gate answers before the view runs, so what earlier requests changed cannot change a refusal; an
    allowed request may meet a record in another state, which ``ok`` tolerates (404, 409).
    """
    user = auth.login_as(role) if role is not None else None
    endpoints = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED)
    wrong = [
        found
        for endpoint in sorted(endpoints, key=lambda e: e == "auth.logout")
        if (found := _wrong(app, client, targets, endpoint, user))
    ]
    assert len(endpoints) > 100
    assert wrong == []


@pytest.mark.parametrize("role", ALL_ROLES, **ROLE_IDS)
def test_route_access(app, client, auth, targets, role, endpoint):
    """``make abuse``: each cell of the matrix on a fresh application and session of its own."""
    user = auth.login_as(role) if role is not None else None
    assert _wrong(app, client, targets, endpoint, user) is None


def test_forbidden_post_changes_nothing(client, auth, make_user):
    from matchmaker.extensions import db

    auth.login_as(Role.OFFICIAL)
    target = make_user(Role.RESEARCHER)
    assert (
        client.post(f"/admin/users/{target.id}", data={"role": "admin"}).status_code
        == 403
    )
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 403
    db.session.refresh(target)
    assert target.role == Role.RESEARCHER and target.active


def test_a_deactivated_accounts_session_opens_nothing(app, client, auth, targets):
    """An administrator switched off while signed in: on every route, the old session counts for nothing."""
    from matchmaker.extensions import db

    user = auth.login_as(Role.ADMIN)
    user.active = False
    db.session.commit()
    search.rebuild()
    endpoints = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED)
    wrong = []
    # Signing out last: it would end the session the walk is about.
    for endpoint in sorted(endpoints, key=lambda e: e == "auth.logout"):
        response = _open(app, client, targets, endpoint)
        location = response.headers.get("Location", "")
        if expected(app, endpoint, None) == "login":
            ok = response.status_code == 302 and "/auth/login?next=" in location
        else:  # what a visitor may open: never more than a visitor gets
            ok = response.status_code in (200, 302, 404, 409)
        if not ok:
            wrong.append(f"{response.status_code} {endpoint} → {location}")
    assert len(endpoints) > 100
    assert wrong == []
