"""Domain events: sent once, after the commit of a use case; never for a rollback; heard by search and mail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    Notification,
    ResearchOrder,
    Role,
    TechNeed,
)
from matchmaker.services import events
from matchmaker.services.enterprises import interests, needs
from matchmaker.services.enterprises.needs import NeedInput
from matchmaker.services.errors import Conflict
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import work
from matchmaker.services.researchers import profiles
from matchmaker.services.search import index as search

TODAY = date(2026, 11, 23)


@pytest.fixture
def heard(app) -> list[tuple[str, list]]:
    """Every signal sent during the test, as ``(signal name, payload)``, in order."""
    sent: list[tuple[str, list]] = []

    def records(sender, keys):
        sent.append(("records", keys))

    def notes(sender, ids):
        sent.append(("notes", ids))

    with (
        events.records_changed.connected_to(records, sender=app),
        events.notifications_recorded.connected_to(notes, sender=app),
    ):
        yield sent


def _need(rep, title: str = "Sấy lúa bằng năng lượng mặt trời") -> TechNeed:
    data = NeedInput(title=title, description="Lúa thu hoạch mùa mưa bị ẩm.",
                     deadline=TODAY + timedelta(days=30))  # fmt: skip
    return needs.create_need(rep, data, today=TODAY)


def _found(query: str) -> list[tuple[str, int]]:
    outcome = search.find(query, {}, per_page=100)
    assert outcome.result is not None
    return [(hit.kind, int(hit.id)) for hit in outcome.result.hits]


def test_events_are_sent_only_after_the_commit_with_the_recorded_keys_once(
    ctx, heard, make_user
):
    user = make_user()
    events.changed("need", 7)
    events.changed("order", 3)
    events.changed("need", 7)
    note = notifications.notify(user, "results_registered", {"who": "A", "title": "B"})
    db.session.flush()
    assert heard == []
    events.commit()
    assert heard == [("records", [("need", 7), ("order", 3)]), ("notes", [note.id])]
    events.commit()
    assert len(heard) == 2


def test_a_refused_use_case_sends_nothing_and_mails_nothing(
    ctx, heard, outbox, make_user
):
    official, pi = make_user(Role.OFFICIAL), make_user(Role.RESEARCHER)
    agency = Institution(slug="so", name_vi="Sở KH&CN", kind=InstitutionKind.AGENCY)
    db.session.add(agency)
    db.session.flush()
    draft = ResearchOrder(title="Cảnh báo mặn", agency_id=agency.id, created_by_id=official.id,
                          state="draft", pi_id=pi.id)  # fmt: skip
    db.session.add(draft)
    db.session.commit()
    # The PI is notified first; the step is then refused (the task is not in progress): all is rolled back.
    with pytest.raises(Conflict):
        work.record_mid_term_check(official, draft.id, "Đạt")
    events.commit()  # the next use case of the same session
    assert heard == [] and outbox == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_a_changed_need_is_found_by_its_new_text_through_the_subscriber(ctx, rep):
    need = _need(rep)
    assert _found("năng lượng mặt trời") == [("need", need.id)]
    data = NeedInput(title="Máy bóc vỏ dừa tự động", description="Giảm công lao động.")
    needs.update_need(rep, need, data)
    assert _found("bóc vỏ dừa") == [("need", need.id)]
    assert _found("năng lượng mặt trời") == []


def test_a_changed_profile_is_found_by_its_new_text_through_the_subscriber(
    ctx, make_user
):
    researcher = make_user(Role.RESEARCHER, full_name="Trần Thị Mai")
    profile = profiles.profile_for(researcher)
    data = profiles.ProfileInput(
        full_name="Trần Thị Mai", academic_title=None, degree=None, institution_id=None,
        department="", position="", field_codes=[], priority_area=None, keywords=[],
        summary="Trồng rau thủy canh trong nhà màng.", capabilities="", orcid=None,
        contact_email=None, links=[], open_to_orders=True, public=True,
    )  # fmt: skip
    profiles.update_profile(profile, researcher, data)
    assert _found("thủy canh") == [("researcher", profile.id)]


def test_notifications_of_a_use_case_are_mailed_after_its_commit(
    app, ctx, heard, outbox, rep, make_user
):
    need = _need(rep)
    researcher = make_user(Role.RESEARCHER, full_name="Anh Ba")
    committed: list[bool] = []

    def check(sender, ids):
        # Read on a connection of its own: only committed rows are visible there (PostgreSQL).
        with db.engine.connect() as other:
            stmt = sa.select(sa.func.count()).select_from(Notification)
            committed.append(
                other.scalar(stmt.where(Notification.id.in_(ids))) == len(ids)
            )

    with events.notifications_recorded.connected_to(check, sender=app):
        interests.express_interest(researcher, need, "Nhóm tôi có máy sấy.")
    assert committed == [True]
    assert [message.to for message in outbox] == [[rep.email]]
    assert "Anh Ba" in outbox[0].body


def test_quiet_silences_the_named_events_even_for_later_commits(
    ctx, heard, outbox, rep, make_user
):
    researcher = make_user(Role.RESEARCHER)
    search.rebuild()  # an empty index, written only by the subscriber from now on
    with events.quiet("records", "notes"):
        need = _need(rep)
        interests.express_interest(researcher, need, "Nhóm tôi có máy sấy.")
    events.commit()
    assert heard == [] and outbox == []
    assert _found("năng lượng mặt trời") == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1


def test_quiet_notes_still_sends_the_records(ctx, heard, rep):
    with events.quiet("notes"):
        need = _need(rep)
    assert heard == [("records", [("need", need.id)])]
