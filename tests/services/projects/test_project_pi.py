"""Naming a project's principal investigator: who links at once, who must confirm, confirm and decline."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Institution, InstitutionKind, Notification, Project, Role
from matchmaker.services import policy
from matchmaker.services.errors import NotAllowed
from matchmaker.services.projects import csv_import as project_csv
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput


def _place(slug: str, name: str) -> Institution:
    place = Institution(slug=slug, name_vi=name, kind=InstitutionKind.UNIVERSITY)
    db.session.add(place)
    db.session.commit()
    return place


@pytest.fixture
def registrant(make_user, ctu):
    return make_user(Role.RESEARCHER, institution_id=ctu.id, full_name="Lâm Quốc Bảo")


@pytest.fixture
def outsider(make_user, tdu):
    """A researcher of another institution than the registrant's."""
    return make_user(
        Role.RESEARCHER, institution_id=tdu.id, full_name="Phan Thị Mỹ Dung"
    )


def _register(user, ctu, pi, **overrides):
    values = {"title": "Chế phẩm vi sinh xử lý rơm rạ", "institution_id": ctu.id,
              "pi_email": pi.email, "pi_name": ""}  # fmt: skip
    return projects.create_project(user, ProjectInput(**(values | overrides)))


def _notices(user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == kind
            )
        )
    )


def test_pi_of_another_institution_is_asked_not_linked(
    indexed_ctx_en, registrant, outsider, ctu, outbox
):
    project = _register(registrant, ctu, outsider)
    saved = db.session.get(Project, project.id)
    assert (saved.pi_id, saved.pending_pi_id) == (None, outsider.id)
    assert saved.pi_awaiting_confirmation
    assert (
        saved.pi_display == "Phan Thị Mỹ Dung"
    )  # the name, not a link to their account
    assert projects.pi_profile_id(saved, registrant) is None
    assert not policy.may_edit_project(outsider, saved)
    [notice] = _notices(outsider, "project_pi_requested")
    assert (notice.endpoint, notice.endpoint_values) == (
        "projects.detail",
        {"project_id": project.id},
    )
    assert [m.to for m in outbox] == [[outsider.email]]
    assert db.session.scalar(
        sa.select(sa.func.count(Project.id)).where(Project.pi_id == outsider.id)
    ) == 0  # fmt: skip


@pytest.mark.parametrize("who", ["self", "colleague", "official", "admin"])
def test_trusted_naming_links_at_once(
    indexed_ctx_en, make_user, registrant, ctu, who, outbox
):
    user, pi = {
        "self": lambda: (registrant, registrant),
        "colleague": lambda: (registrant, make_user(Role.RESEARCHER, institution_id=ctu.id)),
        "official": lambda: (make_user(Role.OFFICIAL), registrant),
        "admin": lambda: (make_user(Role.ADMIN), registrant),
    }[who]()  # fmt: skip
    project = _register(user, ctu, pi)
    assert (project.pi_id, project.pending_pi_id) == (pi.id, None)
    assert _notices(pi, "project_pi_requested") == [] and outbox == []


def test_named_researcher_confirms_and_the_project_becomes_theirs(
    indexed_ctx_en, registrant, outsider, ctu
):
    project = _register(registrant, ctu, outsider)
    projects.answer_pi_request(outsider, project.id, confirm=True)
    db.session.expire_all()
    saved = db.session.get(Project, project.id)
    assert (saved.pi_id, saved.pending_pi_id) == (outsider.id, None)
    assert policy.may_edit_project(outsider, saved)
    assert len(_notices(registrant, "project_pi_confirmed")) == 1


def test_named_researcher_declines_and_their_name_is_removed(
    indexed_ctx_en, registrant, outsider, ctu
):
    project = _register(registrant, ctu, outsider)
    projects.answer_pi_request(outsider, project.id, confirm=False)
    db.session.expire_all()
    saved = db.session.get(Project, project.id)
    assert (saved.pi_id, saved.pending_pi_id, saved.pi_name) == (None, None, "")
    assert len(_notices(registrant, "project_pi_declined")) == 1
    with pytest.raises(NotAllowed):  # answered once, for good
        projects.answer_pi_request(outsider, project.id, confirm=True)


def test_only_the_named_researcher_may_answer(
    indexed_ctx_en, make_user, registrant, outsider, ctu
):
    project = _register(registrant, ctu, outsider)
    for someone in (registrant, make_user(Role.RESEARCHER), make_user(Role.ADMIN)):
        with pytest.raises(NotAllowed):
            projects.answer_pi_request(someone, project.id, confirm=True)
    db.session.expire_all()
    assert db.session.get(Project, project.id).pending_pi_id == outsider.id


def test_saving_again_keeps_the_request_without_asking_twice(
    indexed_ctx_en, registrant, outsider, ctu
):
    project = _register(registrant, ctu, outsider)
    projects.update_project(
        registrant,
        project,
        ProjectInput(title="Tên mới", institution_id=ctu.id, pi_email=outsider.email,
                     pi_name="Phan Thị Mỹ Dung"),
    )  # fmt: skip
    saved = db.session.get(Project, project.id)
    assert (saved.title, saved.pending_pi_id) == ("Tên mới", outsider.id)
    assert len(_notices(outsider, "project_pi_requested")) == 1


def test_renaming_a_confirmed_pi_to_an_outsider_asks_the_outsider(
    indexed_ctx_en, registrant, outsider, ctu
):
    project = _register(registrant, ctu, registrant)
    projects.update_project(
        registrant,
        project,
        ProjectInput(
            title=project.title, institution_id=ctu.id, pi_email=outsider.email
        ),
    )
    saved = db.session.get(Project, project.id)
    assert (saved.pi_id, saved.pending_pi_id) == (None, outsider.id)


def test_database_refuses_a_confirmed_and_a_pending_pi_together(
    indexed_ctx_en, registrant, outsider, ctu
):
    project = _register(registrant, ctu, registrant)
    project.pending_pi_id = outsider.id
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# The CSV import follows the same rule

CSV = "title,pi_name,pi_email\nBùn thải ao tôm làm phân bón,Phan Thị Mỹ Dung,{email}\n"


def test_import_by_a_researcher_asks_a_pi_of_another_institution(
    indexed_ctx_en, registrant, outsider, ctu, outbox
):
    report = project_csv.preview(
        ctu, registrant, CSV.format(email=outsider.email).encode()
    )
    assert report.problems == [] and report.to_confirm == frozenset({2})
    assert project_csv.confirm(ctu, registrant, report.batch_id) == 1
    saved = db.session.scalar(sa.select(Project))
    assert (saved.pi_id, saved.pending_pi_id) == (None, outsider.id)
    assert len(_notices(outsider, "project_pi_requested")) == 1
    assert [m.to for m in outbox] == [[outsider.email]]


def test_import_by_an_official_links_the_pi(indexed_ctx_en, make_user, outsider, ctu):
    official = make_user(Role.OFFICIAL)
    report = project_csv.preview(
        ctu, official, CSV.format(email=outsider.email).encode()
    )
    assert report.to_confirm == frozenset()
    project_csv.confirm(ctu, official, report.batch_id)
    saved = db.session.scalar(sa.select(Project))
    assert (saved.pi_id, saved.pending_pi_id) == (outsider.id, None)
