"""The role × route matrix: every route of the app, every kind of visitor.

A new route must be added to ROUTES, or test_every_route_is_in_the_matrix fails.
"""

from __future__ import annotations

import pytest

from matchmaker.models import Role
from matchmaker.services.search import index as search

pytestmark = pytest.mark.abuse

ANONYMOUS = None
EVERYONE = "everyone"
VISITORS = "visitors"  # anonymous only; signed-in users are sent home
ADMIN = {Role.ADMIN}
RESEARCHER = {Role.RESEARCHER}
ENTERPRISE = {Role.ENTERPRISE}
SIGNED_IN = set(Role)
STAFF = {Role.OFFICIAL, Role.ADMIN}
# Only the record's own representatives (none of the visitors here); ownership is tested in tests/blueprints/enterprises.
OWNERS: set = set()
ALL_ROLES = [ANONYMOUS, *Role]

# endpoint: (method, path, who may use it)
ROUTES: dict[str, tuple[str, str, object]] = {
    "main.index": ("GET", "/", EVERYONE),
    "main.set_language": ("GET", "/lang/en", EVERYONE),
    # Operations (tests/blueprints/ops): no sign-in; /metrics answers the test client's loopback address.
    "ops.healthz": ("GET", "/healthz", EVERYONE),
    "ops.readyz": ("GET", "/readyz", EVERYONE),
    "ops.metrics_page": ("GET", "/metrics", EVERYONE),
    "auth.register": ("GET", "/auth/register", VISITORS),
    "auth.login": ("GET", "/auth/login", VISITORS),
    "auth.forgot_password": ("GET", "/auth/forgot", VISITORS),
    "auth.resend_verification": ("GET", "/auth/verify", EVERYONE),
    "auth.verify_email": ("GET", "/auth/verify/not-a-token", EVERYONE),
    "auth.reset_password": ("GET", "/auth/reset/not-a-token", EVERYONE),
    "auth.logout": ("POST", "/auth/logout", EVERYONE),
    "auth.api_token_list": ("GET", "/auth/api-tokens", STAFF),
    "auth.api_token_revoke": (
        "POST",
        "/auth/api-tokens/999999/revoke",
        STAFF,
    ),  # 404: no such token of theirs
    "admin.user_list": ("GET", "/admin/users", ADMIN),
    "admin.user_create": ("GET", "/admin/users/new", ADMIN),
    "admin.user_detail": ("GET", "/admin/users/{user}", ADMIN),
    "admin.user_set_active": ("POST", "/admin/users/{user}/reactivate", ADMIN),
    "admin.outbox": ("GET", "/admin/outbox", ADMIN),
    "admin.outbox_message": ("GET", "/admin/outbox/{message}", ADMIN),
    "admin.jobs_page": ("GET", "/admin/jobs", ADMIN),
    "admin.job_retry": ("POST", "/admin/jobs/no-such-job/retry", ADMIN),
    "dashboard.index": ("GET", "/dashboard/", STAFF),
    "dashboard.public": ("GET", "/dashboard/public", EVERYONE),
    "dashboard.records": ("GET", "/dashboard/records/approved", STAFF),
    "dashboard.public_records": (
        "GET",
        "/dashboard/public/records/published",
        EVERYONE,
    ),
    "dashboard.definitions": ("GET", "/dashboard/definitions", EVERYONE),
    "dashboard.export_xlsx": ("GET", "/dashboard/export.xlsx", STAFF),
    "researchers.index": ("GET", "/researchers/", EVERYONE),
    "researchers.detail": ("GET", "/researchers/{profile}", EVERYONE),
    "researchers.edit": ("GET", "/researchers/me", RESEARCHER),
    "researchers.publication_list": ("GET", "/researchers/me/publications", RESEARCHER),
    "researchers.publication_delete": (
        "POST",
        "/researchers/me/publications/{publication}/delete",
        RESEARCHER,
    ),
    "researchers.publication_import": (
        "GET",
        "/researchers/me/publications/import",
        RESEARCHER,
    ),
    "researchers.publication_import_confirm": (
        "POST",
        "/researchers/me/publications/import/{batch}",
        RESEARCHER,
    ),
    "researchers.ip_list": ("GET", "/researchers/me/ip", RESEARCHER),
    "researchers.ip_delete": ("POST", "/researchers/me/ip/{asset}/delete", RESEARCHER),
    "lookups.fields": ("GET", "/lookups/fields?q=nong", SIGNED_IN),
    "lookups.institutions": ("GET", "/lookups/institutions/order?q=so", STAFF),
    "institutions.index": ("GET", "/institutions/", EVERYONE),
    "institutions.detail": ("GET", "/institutions/{slug}", EVERYONE),
    "institutions.create": ("GET", "/institutions/new", ADMIN),
    "institutions.edit": ("GET", "/institutions/{slug}/edit", ADMIN),
    "institutions.staff_import_upload": (
        "GET",
        "/institutions/{slug}/staff-import",
        ADMIN,
    ),
    "institutions.staff_import_confirm": (
        "POST",
        "/institutions/{slug}/staff-import/{batch}",
        ADMIN,
    ),
    "enterprises.index": ("GET", "/enterprises/", EVERYONE),
    "enterprises.detail": ("GET", "/enterprises/{enterprise}", EVERYONE),
    "enterprises.create": ("GET", "/enterprises/new", ENTERPRISE),
    "enterprises.edit": (
        "GET",
        "/enterprises/{enterprise}/edit",
        ADMIN,
    ),  # and its representatives
    "enterprises.invite": (
        "GET",
        "/enterprises/{enterprise}/invite",
        ADMIN,
    ),  # and its representatives
    "enterprises.needs.index": ("GET", "/enterprises/needs", EVERYONE),
    "enterprises.needs.detail": ("GET", "/enterprises/needs/{need}", EVERYONE),
    "enterprises.needs.create": ("GET", "/enterprises/needs/new", ENTERPRISE),
    "enterprises.needs.edit": (
        "GET",
        "/enterprises/needs/{need}/edit",
        ADMIN,
    ),  # and its representatives
    "enterprises.needs.express_interest": (
        "POST",
        "/enterprises/needs/{need}/interest",
        RESEARCHER,
    ),
    "enterprises.needs.decide_interest": (
        "POST",
        "/enterprises/interests/{interest}/accept",
        OWNERS,
    ),
    "notifications.index": ("GET", "/notifications/", SIGNED_IN),
    "notifications.mark_read": ("POST", "/notifications/read", SIGNED_IN),
    "orders.index": ("GET", "/orders/", EVERYONE),
    "orders.detail": (
        "GET",
        "/orders/{order}",
        EVERYONE,
    ),  # 404 for a draft unless an official
    "orders.create": ("GET", "/orders/new", STAFF),
    "orders.edit": ("GET", "/orders/{order}/edit", STAFF),
    "orders.act": ("POST", "/orders/{order}/act/submit", STAFF),  # and the task's PI
    "orders.attachment": (
        "GET",
        "/orders/{order}/attachments/{attachment}",
        EVERYONE,
    ),  # 404 unless the viewer may see the file
    "orders.proposals.mine": ("GET", "/orders/proposals/mine", RESEARCHER),
    "orders.proposals.create": ("GET", "/orders/{order}/proposals/new", RESEARCHER),
    # The proposal pages below answer 404 unless the visitor is an author, an official or on the council.
    "orders.proposals.detail": ("GET", "/orders/proposals/{proposal}", SIGNED_IN),
    "orders.proposals.edit": ("GET", "/orders/proposals/{proposal}/edit", RESEARCHER),
    "orders.proposals.withdraw": (
        "POST",
        "/orders/proposals/{proposal}/withdraw",
        RESEARCHER,
    ),
    "orders.proposals.decline": ("POST", "/orders/proposals/{proposal}/decline", STAFF),
    "orders.proposals.list": ("GET", "/orders/{order}/proposals", STAFF),
    "orders.proposals.team_candidates": (
        "GET",
        "/orders/proposals/team-candidates?q=nguyen",
        RESEARCHER,
    ),
    "orders.proposals.award": ("GET", "/orders/proposals/{proposal}/award", STAFF),
    "orders.council.index": ("GET", "/orders/{order}/council", STAFF),
    "orders.council.review": ("GET", "/orders/{order}/council/review", SIGNED_IN),
    "orders.assignments.reviewers": ("GET", "/orders/{order}/council/reviewers", STAFF),
    "orders.assignments.record_reviewers": (
        "POST",
        "/orders/{order}/council/reviewers",
        STAFF,
    ),  # 409: the order has no council
    "orders.assignments.researchers": ("GET", "/orders/assignment", STAFF),
    "orders.assignments.invite": (
        "POST",
        "/orders/{order}/assignment/invite",
        STAFF,
    ),  # 409: the order does not take proposals
    "orders.council.score": ("GET", "/orders/proposals/{proposal}/score", SIGNED_IN),
    "orders.council.declare_conflict": (
        "POST",
        "/orders/proposals/{proposal}/conflict",
        SIGNED_IN,
    ),
    # The work pages answer 404 unless official, the PI or the team, or the results are public.
    "orders.work.index": ("GET", "/orders/{order}/work", EVERYONE),
    "orders.work.add_milestone": ("POST", "/orders/{order}/work/milestones", STAFF),
    "orders.work.complete_milestone": (
        "POST",
        "/orders/{order}/work/milestones/999999/complete",
        STAFF,
    ),
    "orders.work.submit_deliverable": (
        "POST",
        "/orders/{order}/work/milestones/999999/submit",
        RESEARCHER,
    ),  # the PI only
    "orders.work.send_back_deliverable": (
        "POST",
        "/orders/{order}/work/milestones/999999/send-back",
        STAFF,
    ),
    "orders.work.disburse": ("POST", "/orders/{order}/work/disbursements", STAFF),
    "orders.work.report": (
        "POST",
        "/orders/{order}/work/reports",
        RESEARCHER,
    ),  # the PI
    "orders.work.mid_term": ("POST", "/orders/{order}/work/mid-term", STAFF),
    "orders.work.results": (
        "POST",
        "/orders/{order}/work/results",
        STAFF | RESEARCHER,
    ),  # officials and the PI
    "orders.work.add_result": (
        "POST",
        "/orders/{order}/work/results/add",
        STAFF | RESEARCHER,
    ),  # officials and the PI
    "plan.index": ("GET", "/plan/", STAFF),
    "plan.detail": ("GET", "/plan/{task}", STAFF),
    "plan.create": ("GET", "/plan/new", STAFF),
    "plan.edit": ("GET", "/plan/{task}/edit", STAFF),
    "plan.import_upload": ("GET", "/plan/import", STAFF),
    "plan.import_confirm": (
        "POST",
        "/plan/import/{batch}",
        STAFF,
    ),  # 404: not their batch
    "plan.import_template": ("GET", "/plan/import/template.csv", STAFF),
    "plan.evidence_candidates": ("GET", "/plan/evidence-candidates?q=man", STAFF),
    # Officials of the task's lead agency too (the visiting official belongs to none).
    "plan.record_update": ("POST", "/plan/{task}/updates", ADMIN),
    "plan.complete": ("POST", "/plan/{task}/complete", ADMIN),
    "projects.index": ("GET", "/projects/", EVERYONE),
    "projects.detail": ("GET", "/projects/{project}", EVERYONE),
    "projects.create": (
        "GET",
        "/projects/new",
        STAFF,
    ),  # and researchers with an institution
    "projects.edit": (
        "GET",
        "/projects/{project}/edit",
        STAFF,
    ),  # and its registrar and PI
    "projects.import_upload": (
        "GET",
        "/projects/import",
        STAFF,
    ),  # and researchers with an institution
    "projects.import_confirm": (
        "POST",
        "/projects/import/{batch}",
        STAFF,
    ),  # 404: not their batch
    "projects.answer_pi": (
        "POST",
        "/projects/{project}/pi/confirm",
        OWNERS,
    ),  # only the researcher named as its PI, while asked
    "projects.answer_member": (
        "POST",
        "/projects/{project}/team/confirm",
        OWNERS,
    ),  # only a researcher named on its team, while asked
    "search.index": ("GET", "/search/", EVERYONE),
    "search.suggest": ("GET", "/search/suggest?q=can", EVERYONE),
    # The public API: anonymous reads for everyone (tests/blueprints/api checks what each one gives).
    "api.order_list": ("GET", "/api/v1/orders", EVERYONE),
    "api.order": ("GET", "/api/v1/orders/{order}", EVERYONE),
    "api.result_list": ("GET", "/api/v1/results", EVERYONE),
    "api.result": ("GET", "/api/v1/results/1", EVERYONE),
    "api.project_list": ("GET", "/api/v1/projects", EVERYONE),
    "api.project": ("GET", "/api/v1/projects/{project}", EVERYONE),
    "api.researcher_list": ("GET", "/api/v1/researchers", EVERYONE),
    "api.researcher": ("GET", "/api/v1/researchers/{profile}", EVERYONE),
    "api.institution_list": ("GET", "/api/v1/institutions", EVERYONE),
    "api.institution": ("GET", "/api/v1/institutions/1", EVERYONE),
    "api.need_list": ("GET", "/api/v1/needs", EVERYONE),
    "api.need": ("GET", "/api/v1/needs/{need}", EVERYONE),
    "api.search_records": ("GET", "/api/v1/search?q=can", EVERYONE),
    "api.match_researchers": ("POST", "/api/v1/matches/researchers", EVERYONE),
    "api.figure_list": ("GET", "/api/v1/figures", EVERYONE),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", EVERYONE),
    "api.docs.page": ("GET", "/api/v1/docs/", EVERYONE),
    "opendata.index": ("GET", "/open-data/", EVERYONE),
    "opendata.catalog": ("GET", "/open-data/catalog.jsonld", EVERYONE),
    "opendata.datapackage": ("GET", "/open-data/datapackage.json", EVERYONE),
    "opendata.download": ("GET", "/open-data/v1.0/orders.csv", EVERYONE),
    "opendata.schema": ("GET", "/open-data/v1.0/orders.schema.json", EVERYONE),
    # A name it does not serve (404): a served file would stay open in the test client.
    "api.docs.asset": ("GET", "/api/v1/docs/assets/none.css", EVERYONE),
}

IGNORED = {"static", "bootstrap.static"}
# The JSON body of the API's POST routes (a read that needs a long text).
JSON_BODIES = {"api.match_researchers": {"text": "xâm nhập mặn sông Hậu"}}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints == set(ROUTES)


def _expected(allowed: object, role: Role | None) -> str:
    if allowed == EVERYONE:
        return "ok"
    if allowed == VISITORS:
        return "ok" if role is None else "home"
    if role is None:
        return "login"
    return "ok" if role in allowed else "forbidden"


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
        "user": owner.id, "message": message.id, "profile": profile.id, "publication": publication.id,
        "asset": asset.id, "batch": batch.id, "slug": institution.slug, "enterprise": enterprise.id,
        "need": need.id, "interest": interest.id, "order": order.id, "attachment": attachment.id,
        "project": project.id, "proposal": proposal.id, "task": task.id,
    }  # fmt: skip


def _open(client, targets, endpoint: str):
    """Request ``endpoint`` as ROUTES describes it, with its JSON body when it takes one."""
    method, path, _allowed = ROUTES[endpoint]
    body = {"json": JSON_BODIES[endpoint]} if endpoint in JSON_BODIES else {}
    return client.open(path.format(**targets), method=method, **body)


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(client, auth, targets, role, endpoint):
    method, path, allowed = ROUTES[endpoint]
    if endpoint in ("api.search_records", "ops.readyz"):
        search.rebuild()  # the API searches at once, and readiness needs an index
    if role is not None:
        auth.login_as(role)
    response = _open(client, targets, endpoint)
    location = response.headers.get("Location", "")
    outcome = _expected(allowed, role)
    if outcome == "ok":
        # Allowed in: the page, a redirect after an action, 404 for another person's record, or 409 when
        # the business rules refuse the step itself (an order's lifecycle).
        assert (
            response.status_code in (200, 302, 404, 409)
            and "/auth/login" not in location
        )
    elif outcome == "home":
        assert response.status_code == 302 and location == "/"
    elif outcome == "login":
        assert response.status_code == 302 and "/auth/login?next=" in location
    else:
        assert response.status_code == 403


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


def test_a_deactivated_accounts_session_opens_nothing(client, auth, targets):
    """An administrator switched off while signed in: on every route, the old session counts for nothing."""
    from matchmaker.extensions import db

    user = auth.login_as(Role.ADMIN)
    user.active = False
    db.session.commit()
    search.rebuild()
    wrong = []
    for endpoint, (method, path, allowed) in ROUTES.items():
        response = _open(client, targets, endpoint)
        location = response.headers.get("Location", "")
        if _expected(allowed, None) == "login":
            ok = response.status_code == 302 and "/auth/login?next=" in location
        else:  # what a visitor may open: never more than a visitor gets
            ok = (
                response.status_code in (200, 302, 404, 409)
                and response.status_code < 500
            )
        if not ok:
            wrong.append(f"{response.status_code} {method} {path} → {location}")
    assert wrong == []
