"""Projects a researcher joined as a confirmed team member are matching evidence, as projects they lead are."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import (
    MemberStatus,
    Project,
    ProjectMember,
    ResearcherProfile,
    Role,
)
from matchmaker.services.matching import corpus
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching import model as matching_model
from matchmaker.services.projects import members

QUERY = "khí hóa trấu phát điện"


@pytest.fixture
def crew(matching_places, make_user) -> dict[str, ResearcherProfile]:
    """A PI without a profile text on gasifiers, and two engineers whose profiles say nothing of them."""

    def researcher(name: str, place: str) -> ResearcherProfile:
        user = make_user(
            Role.RESEARCHER, full_name=name, institution_id=matching_places[place].id
        )
        profile = ResearcherProfile(
            user=user, keywords=["điều khiển tự động"], links=[],
            summary="Điều khiển quá trình công nghiệp.",
        )  # fmt: skip
        db.session.add(profile)
        db.session.commit()
        return profile

    return {
        "lead": researcher("Âu Văn Kiệt", "ctu"),
        "member": researcher("Nguyễn Thanh Tâm", "ctu"),
        "asked": researcher("Lê Hoàng Thiện", "ctu"),
    }


def _gasifier(crew) -> Project:
    project = Project(
        title="Lò khí hóa trấu phát điện cho nhà máy xay xát",
        summary="Khí hóa trấu tầng cố định, khí than chạy máy phát điện 200 kW.",
        pi_id=crew["lead"].user_id,
        members=[
            ProjectMember(
                user_id=crew["member"].user_id, status=MemberStatus.CONFIRMED
            ),
            ProjectMember(user_id=crew["asked"].user_id, status=MemberStatus.PENDING),
        ],
    )
    db.session.add(project)
    db.session.commit()
    return project


def _keys(official) -> list[int]:
    return [v.key for v in matching.matches_for_text(QUERY, official).researchers]


def test_a_confirmed_member_ranks_for_their_joined_project_and_a_pending_one_does_not(
    crew, official
):
    project = _gasifier(crew)
    found = matching.matches_for_text(QUERY, official).researchers
    assert {v.key for v in found} == {crew["lead"].id, crew["member"].id}
    joined = next(v for v in found if v.key == crew["member"].id)
    assert (joined.evidence, joined.evidence_kind) == (project.title, "project")
    # Both lead and member work at one institution: the shared project counts once for it.
    [place] = matching.matches_for_text(QUERY, official).institutions
    assert place.key == "ctu"


def test_confirming_and_leaving_a_team_update_the_model_without_a_refit(
    crew, official, indexed_ctx
):
    project = _gasifier(crew)
    asked = crew["asked"]
    assert asked.id not in _keys(official)
    saved = matching_model.model_path().stat().st_mtime_ns
    before = corpus.researcher_stamps()[corpus.researcher_id(asked.id)]

    members.answer_member_request(asked.user, project.id, confirm=True)
    assert corpus.researcher_stamps()[corpus.researcher_id(asked.id)] != before
    assert asked.id in _keys(official)

    link = db.session.get(Project, project.id).members[-1]
    db.session.delete(link)
    db.session.commit()
    assert asked.id not in _keys(official)
    assert matching_model.model_path().stat().st_mtime_ns == saved  # upserts only
