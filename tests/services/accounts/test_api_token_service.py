"""Access tokens to the API: who may hold one, the secret kept only as a digest, revoking, authenticating."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import ApiToken, Role
from matchmaker.services.accounts import api_tokens
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ADMIN])
def test_staff_create_a_token_and_it_works(make_user, role):
    user = make_user(role)
    new = api_tokens.create(user, "  Báo cáo   quý  ")
    assert new.secret.startswith("mm_") and len(new.secret) >= 40
    assert new.token.name == "Báo cáo quý" and new.token.scope == "read"
    assert new.token.prefix == new.secret[:11]
    found = api_tokens.authenticate(new.secret)
    assert found is not None and found.id == new.token.id and found.user_id == user.id
    assert found.last_used_at is not None


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_other_roles_may_not_create_tokens(make_user, role):
    with pytest.raises(NotAllowed):
        api_tokens.create(make_user(role), "Báo cáo")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_secret_is_nowhere_in_the_database(make_user):
    new = api_tokens.create(make_user(Role.OFFICIAL), "Kịch bản")
    secret = new.secret
    rest = secret[len(new.token.prefix) :]
    dump = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            dump += [str(value) for value in row]
    text = "\n".join(dump)
    assert secret not in text and rest[:12] not in text
    # What is kept is the SHA-256 digest, and the prefix to recognise it.
    stored = db.session.get(ApiToken, new.token.id)
    assert stored.digest == api_tokens.digest(secret) != secret
    assert len(stored.digest) == 64


def test_a_wrong_or_altered_secret_does_not_authenticate(make_user):
    new = api_tokens.create(make_user(Role.OFFICIAL), "Kịch bản")
    assert (
        api_tokens.authenticate(
            new.secret[:-1] + ("A" if new.secret[-1] != "A" else "B")
        )
        is None
    )
    assert api_tokens.authenticate(new.token.prefix) is None
    assert api_tokens.authenticate(api_tokens.digest(new.secret)) is None
    assert api_tokens.authenticate("") is None


def test_a_revoked_token_stops_working(make_user):
    user = make_user(Role.OFFICIAL)
    new = api_tokens.create(user, "Kịch bản")
    revoked = api_tokens.revoke(user, new.token.id)
    assert revoked.revoked_at is not None
    assert api_tokens.authenticate(new.secret) is None
    again = api_tokens.revoke(user, new.token.id)  # nothing changes
    assert again.revoked_at == revoked.revoked_at


def test_nobody_revokes_another_persons_token(make_user):
    owner, other = make_user(Role.OFFICIAL), make_user(Role.ADMIN)
    new = api_tokens.create(owner, "Kịch bản")
    with pytest.raises(LookupError):
        api_tokens.revoke(other, new.token.id)
    with pytest.raises(LookupError):
        api_tokens.revoke(owner, 999_999)
    assert api_tokens.authenticate(new.secret) is not None


def test_a_deactivated_or_demoted_holder_ends_the_token(make_user):
    leaving, moved = make_user(Role.OFFICIAL), make_user(Role.ADMIN)
    first = api_tokens.create(leaving, "Một")
    second = api_tokens.create(moved, "Hai")
    leaving.active = False
    moved.role = Role.RESEARCHER
    db.session.commit()
    assert api_tokens.authenticate(first.secret) is None
    assert api_tokens.authenticate(second.secret) is None


def test_names_are_checked_and_tokens_in_use_are_capped(make_user):
    user = make_user(Role.OFFICIAL)
    with pytest.raises(ServiceError):
        api_tokens.create(user, "   ")
    with pytest.raises(ServiceError):
        api_tokens.create(user, "x" * 101)
    made = [api_tokens.create(user, f"Token {n}") for n in range(api_tokens.MAX_ACTIVE)]
    with pytest.raises(Conflict):
        api_tokens.create(user, "One too many")
    api_tokens.revoke(user, made[0].token.id)
    api_tokens.create(user, "In its place")
    names = [t.name for t in api_tokens.list_tokens(user)]
    assert len(names) == api_tokens.MAX_ACTIVE + 1 and names[0] == "In its place"
