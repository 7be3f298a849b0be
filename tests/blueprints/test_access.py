"""The role × route matrix: every route of the app, every kind of visitor.

A new route must be added to ROUTES, or test_every_route_is_in_the_matrix fails.
"""

from __future__ import annotations

import pytest

from matchmaker.models import Role

ANONYMOUS = None
EVERYONE = "everyone"
VISITORS = "visitors"  # anonymous only; signed-in users are sent home
ADMIN = {Role.ADMIN}
ALL_ROLES = [ANONYMOUS, *Role]

# endpoint: (method, path, who may use it)
ROUTES: dict[str, tuple[str, str, object]] = {
    "main.index": ("GET", "/", EVERYONE),
    "main.set_language": ("GET", "/lang/en", EVERYONE),
    "auth.register": ("GET", "/auth/register", VISITORS),
    "auth.login": ("GET", "/auth/login", VISITORS),
    "auth.forgot_password": ("GET", "/auth/forgot", VISITORS),
    "auth.resend_verification": ("GET", "/auth/verify", EVERYONE),
    "auth.verify_email": ("GET", "/auth/verify/not-a-token", EVERYONE),
    "auth.reset_password": ("GET", "/auth/reset/not-a-token", EVERYONE),
    "auth.logout": ("POST", "/auth/logout", EVERYONE),
    "admin.user_list": ("GET", "/admin/users", ADMIN),
    "admin.user_create": ("GET", "/admin/users/new", ADMIN),
    "admin.user_detail": ("GET", "/admin/users/{user}", ADMIN),
    "admin.user_set_active": ("POST", "/admin/users/{user}/reactivate", ADMIN),
    "admin.outbox": ("GET", "/admin/outbox", ADMIN),
    "admin.outbox_message": ("GET", "/admin/outbox/{message}", ADMIN),
}

IGNORED = {"static", "bootstrap.static"}


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


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(app, client, auth, make_user, role, endpoint):
    from matchmaker.extensions import db
    from matchmaker.models import OutboxMessage

    method, path, allowed = ROUTES[endpoint]
    target = make_user(Role.RESEARCHER)
    message = OutboxMessage(recipient=target.email, subject="s", body="b", sent=True)
    db.session.add(message)
    db.session.commit()
    if role is not None:
        auth.login_as(role)
    response = client.open(
        path.format(user=target.id, message=message.id), method=method
    )
    outcome = _expected(allowed, role)
    if outcome == "ok":
        assert response.status_code in (
            200,
            302,
        ) and "/auth/login?next" not in response.headers.get("Location", "")
    elif outcome == "home":
        assert response.status_code == 302 and response.headers["Location"] == "/"
    elif outcome == "login":
        assert (
            response.status_code == 302
            and "/auth/login?next=" in response.headers["Location"]
        )
    else:
        assert response.status_code == 403
        assert "Access denied" in response.get_data(
            as_text=True
        ) or "Không" in response.get_data(as_text=True)


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
