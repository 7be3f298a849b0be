"""A project's team members with an account: asked, confirmed or declined, removed; only confirmed ones count."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import MemberStatus, Notification, Project, ProjectMember, Role
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.matching import corpus
from matchmaker.services.projects import members
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput

TITLE = "Chế phẩm vi sinh xử lý rơm rạ"


@pytest.fixture
def team_lead(make_user, ctu):
    """The researcher who registers the project and leads it."""
    return make_user(Role.RESEARCHER, institution_id=ctu.id, full_name="Lâm Quốc Bảo")


@pytest.fixture
def joiner(make_user, tdu):
    """A researcher of another institution who worked on the project."""
    return make_user(
        Role.RESEARCHER, institution_id=tdu.id, full_name="Phan Thị Mỹ Dung"
    )


def _input(ctu, lead, *member_ids: int, **overrides) -> ProjectInput:
    values = {"title": TITLE, "institution_id": ctu.id, "pi_email": lead.email,
              "member_ids": tuple(member_ids)}  # fmt: skip
    return ProjectInput(**(values | overrides))


def _register(lead, ctu, *member_ids: int, **overrides) -> Project:
    return projects.create_project(lead, _input(ctu, lead, *member_ids, **overrides))


def _links(project: Project) -> dict[int, MemberStatus]:
    rows = db.session.execute(
        sa.select(ProjectMember.user_id, ProjectMember.status).where(
            ProjectMember.project_id == project.id
        )
    )
    return {user_id: status for user_id, status in rows}


def _notices(user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == kind
            )
        )
    )


def _joined_titles(user) -> list[str]:
    return [p.title for p in members.projects_joined(user.id)]


def test_named_member_is_asked_and_not_counted(
    indexed_ctx_en, team_lead, joiner, ctu, outbox
):
    project = _register(team_lead, ctu, joiner.id)
    assert _links(project) == {joiner.id: MemberStatus.PENDING}
    [notice] = _notices(joiner, "project_member_requested")
    assert (notice.endpoint, notice.endpoint_values) == (
        "projects.detail",
        {"project_id": project.id},
    )
    assert [m.to for m in outbox] == [[joiner.email]]
    assert members.is_asked_to_join(joiner, project)
    assert _joined_titles(joiner) == []
    users = sa.select(sa.literal(joiner.id))
    assert corpus.work_documents(users) == {}


@pytest.mark.parametrize("who", ["colleague", "official", "admin"])
def test_everyone_but_the_member_themselves_only_asks(
    indexed_ctx_en, make_user, team_lead, ctu, who
):
    user = make_user({"colleague": Role.RESEARCHER, "official": Role.OFFICIAL,
                      "admin": Role.ADMIN}[who], institution_id=ctu.id)  # fmt: skip
    project = _register(user, ctu, team_lead.id, pi_email="", pi_name="Ai đó")
    assert _links(project) == {team_lead.id: MemberStatus.PENDING}


def test_a_researcher_naming_themselves_is_linked_at_once(
    indexed_ctx_en, team_lead, ctu, outbox
):
    project = _register(team_lead, ctu, team_lead.id, pi_email="", pi_name="Ai đó")
    assert _links(project) == {team_lead.id: MemberStatus.CONFIRMED}
    assert _notices(team_lead, "project_member_requested") == [] and outbox == []
    assert _joined_titles(team_lead) == [TITLE]


def test_member_confirms_and_the_project_counts_as_theirs(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu, joiner.id)
    members.answer_member_request(joiner, project.id, confirm=True)
    db.session.expire_all()
    assert _links(project) == {joiner.id: MemberStatus.CONFIRMED}
    assert db.session.scalar(sa.select(ProjectMember.confirmed_at)) is not None
    assert _joined_titles(joiner) == [TITLE]
    assert members.projects_led(joiner.id) == []
    work = corpus.work_documents(sa.select(sa.literal(joiner.id)))
    assert [d.doc_id for d in work[joiner.id]] == [f"project:{project.id}"]
    assert len(_notices(team_lead, "project_member_confirmed")) == 1
    assert not policy.may_edit_project(joiner, project)  # a member is not an editor


def test_member_declines_and_the_link_is_gone(indexed_ctx_en, team_lead, joiner, ctu):
    project = _register(team_lead, ctu, joiner.id)
    members.answer_member_request(joiner, project.id, confirm=False)
    db.session.expire_all()
    assert _links(project) == {}
    assert len(_notices(team_lead, "project_member_declined")) == 1
    with pytest.raises(NotAllowed):  # answered once, for good
        members.answer_member_request(joiner, project.id, confirm=True)
    assert _links(project) == {}


def test_only_the_named_member_may_answer(
    indexed_ctx_en, make_user, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu, joiner.id)
    for someone in (team_lead, make_user(Role.RESEARCHER), make_user(Role.ADMIN)):
        with pytest.raises(NotAllowed):
            members.answer_member_request(someone, project.id, confirm=True)
    assert _links(project) == {joiner.id: MemberStatus.PENDING}


def test_taking_a_member_off_the_team_removes_the_link(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu, joiner.id)
    members.answer_member_request(joiner, project.id, confirm=True)
    project = db.session.get(Project, project.id)
    projects.update_project(team_lead, project, _input(ctu, team_lead))
    db.session.expire_all()
    assert _links(project) == {} and _joined_titles(joiner) == []
    assert corpus.work_documents(sa.select(sa.literal(joiner.id))) == {}


def test_saving_again_keeps_the_request_without_asking_twice(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu, joiner.id)
    projects.update_project(
        team_lead, project, _input(ctu, team_lead, joiner.id, title="Tên mới")
    )
    assert _links(project) == {joiner.id: MemberStatus.PENDING}
    assert len(_notices(joiner, "project_member_requested")) == 1


def test_the_pi_is_not_also_a_member(indexed_ctx_en, team_lead, joiner, ctu):
    project = _register(team_lead, ctu, team_lead.id, joiner.id)
    assert _links(project) == {joiner.id: MemberStatus.PENDING}
    members.answer_member_request(joiner, project.id, confirm=True)
    project = db.session.get(Project, project.id)
    # The member becomes the PI (asked to confirm, from another institution): no longer a member.
    projects.update_project(
        team_lead, project, _input(ctu, joiner, joiner.id, team_lead.id)
    )
    assert project.pending_pi_id == joiner.id
    assert _links(project) == {team_lead.id: MemberStatus.CONFIRMED}


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ENTERPRISE])
def test_only_active_researchers_may_be_named(
    indexed_ctx_en, make_user, team_lead, ctu, role
):
    someone = make_user(role)
    with pytest.raises(ServiceError) as refused:
        _register(team_lead, ctu, someone.id)
    assert refused.value.field == "member_ids"
    inactive = make_user(Role.RESEARCHER, active=False)
    with pytest.raises(ServiceError):
        _register(team_lead, ctu, inactive.id)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ProjectMember.id))) == 0


def test_a_linked_member_leaves_the_list_of_names(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(
        team_lead, ctu, joiner.id, team=("phan thị mỹ dung", "Trần Văn Hiếu")
    )
    assert project.team == ["Trần Văn Hiếu"]
    assert [(e.name, e.awaiting) for e in members.team_view(project, team_lead)] == [
        ("Phan Thị Mỹ Dung", True),
        ("Trần Văn Hiếu", False),
    ]


def test_database_refuses_two_links_for_one_researcher(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu, joiner.id)
    db.session.add(ProjectMember(project_id=project.id, user_id=joiner.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_policy_on_naming_team_members(make_user, team_lead, joiner):
    assert policy.may_link_member_directly(team_lead, team_lead)
    assert not policy.may_link_member_directly(team_lead, joiner)
    assert not policy.may_link_member_directly(make_user(Role.ADMIN), joiner)
    assert policy.may_be_named_team_member(joiner)
    assert not policy.may_be_named_team_member(make_user(Role.OFFICIAL))
    assert not policy.may_be_named_team_member(None)


def _link_from_another_connection(project_id: int, user_id: int) -> None:
    """What a parallel request commits: the session at hand has not seen it."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(ProjectMember).values(
                project_id=project_id, user_id=user_id, status="pending",
                created_at=sa.func.now(), updated_at=sa.func.now(),
            )
        )  # fmt: skip


@pytest.mark.parallel
def test_an_edit_sees_a_link_made_meanwhile_and_asks_once(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu)
    assert project.members == []  # loaded: stale once the other request commits
    _link_from_another_connection(project.id, joiner.id)
    projects.update_project(team_lead, project, _input(ctu, team_lead, joiner.id))
    assert _links(project) == {joiner.id: MemberStatus.PENDING}
    assert _notices(joiner, "project_member_requested") == []  # the other request asked


@pytest.mark.parallel
def test_a_duplicate_link_is_refused_as_a_conflict(
    indexed_ctx_en, team_lead, joiner, ctu
):
    project = _register(team_lead, ctu)
    assert project.members == []
    _link_from_another_connection(project.id, joiner.id)
    with pytest.raises(
        Conflict
    ) as refused:  # without the edit's lock: the constraint holds
        members.sync_members(team_lead, project, [joiner.id])
    assert refused.value.field == "member_ids"
    assert _links(project) == {joiner.id: MemberStatus.PENDING}
