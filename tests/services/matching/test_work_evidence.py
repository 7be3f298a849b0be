"""A researcher's work on the platform as matching evidence: the projects they lead and the registered results
of the tasks they lead count as their documents, and the model follows every change to them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    Project,
    ResearcherProfile,
    ResearchOrder,
    ResultRecord,
    Role,
    TechNeed,
    User,
)
from matchmaker.services.matching import corpus
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching import model as matching_model
from matchmaker.services.projects import registry as projects

GASIFIER = "Lò khí hóa trấu phát điện cho nhà máy xay xát"
GASIFIER_SUMMARY = "Khí hóa trấu tầng cố định, khí than chạy máy phát điện 200 kW."
DRYER = "Máy sấy lúa tầng sôi liên tục tiết kiệm năng lượng"


@pytest.fixture
def people(matching_places, make_user) -> dict[str, ResearcherProfile]:
    """An engineer whose profile says nothing of gasifiers, and a fish pathologist."""

    def researcher(name: str, keywords: list[str], summary: str) -> ResearcherProfile:
        user = make_user(
            Role.RESEARCHER, full_name=name, institution_id=matching_places["ctu"].id
        )
        profile = ResearcherProfile(
            user=user, keywords=keywords, summary=summary, links=[]
        )
        db.session.add(profile)
        db.session.commit()
        return profile

    return {
        "engineer": researcher(
            "Âu Văn Kiệt", ["điều khiển tự động"], "Điều khiển quá trình công nghiệp."
        ),
        "fish": researcher(
            "Nguyễn Thanh Tâm", ["cá tra"], "Phòng bệnh gan thận mủ trên cá tra."
        ),
    }


def _gasifier_need(water_company) -> TechNeed:
    need = TechNeed(
        enterprise_id=water_company.id,
        title="Phát điện từ trấu",
        description="Khí hóa trấu phát điện cho nhà máy xay xát lúa gạo.",
    )
    db.session.add(need)
    db.session.commit()
    return need


def _keys(views) -> list:
    return [v.key for v in views]


def _project(user: User, **fields) -> Project:
    project = Project(
        **({"title": GASIFIER, "summary": GASIFIER_SUMMARY, "pi_id": user.id} | fields)
    )
    db.session.add(project)
    db.session.commit()
    return project


def test_a_project_they_lead_finds_the_researcher_and_is_named_as_evidence(
    people, water_company, official, indexed_ctx
):
    engineer = people["engineer"]
    need = _gasifier_need(water_company)
    assert engineer.id not in _keys(
        matching.matches_for_need(need, official).researchers
    )
    project = projects.create_project(
        official,
        projects.ProjectInput(
            title=GASIFIER, summary=GASIFIER_SUMMARY, pi_email=engineer.user.email
        ),
    )
    assert project.pi_id == engineer.user_id
    found = matching.matches_for_need(need, official).researchers
    assert _keys(found)[0] == engineer.id
    assert (found[0].evidence, found[0].evidence_kind) == (project.title, "project")
    assert people["fish"].id not in _keys(found)
    place = matching.matches_for_need(need, official).institutions[0]
    assert (place.key, place.evidence, place.evidence_kind) == (
        "ctu",
        project.title,
        "project",
    )
    # Explained by what the project's own text shares with the need.
    assert place.terms


def test_a_project_awaiting_the_pis_confirmation_counts_for_nobody(
    people, water_company, official
):
    _project(
        people["engineer"].user, pi_id=None, pending_pi_id=people["engineer"].user_id
    )
    found = matching.matches_for_need(_gasifier_need(water_company), official)
    assert people["engineer"].id not in _keys(found.researchers)


def test_a_registered_result_of_a_task_they_led_counts(
    people, matching_places, official
):
    engineer, fish = people["engineer"], people["fish"]
    order = ResearchOrder(
        title="Thiết bị sấy nông sản", agency_id=matching_places["so"].id,
        state="results_registered", pi_id=engineer.user_id,
    )  # fmt: skip
    db.session.add(order)
    db.session.flush()
    result = ResultRecord(
        order_id=order.id, product=DRYER, description="Sấy 5 tấn lúa mỗi giờ."
    )
    db.session.add(result)
    db.session.commit()
    found = matching.matches_for_text("máy sấy lúa tầng sôi", official).researchers
    assert _keys(found) == [engineer.id]
    assert (found[0].evidence, found[0].evidence_kind) == (DRYER, "result")
    assert fish.id not in _keys(found)
    place = matching.matches_for_text("máy sấy lúa tầng sôi", official).institutions[0]
    assert (place.key, place.evidence, place.evidence_kind) == ("ctu", DRYER, "result")
    assert place.terms


def test_editing_and_removing_a_project_updates_the_model_without_a_refit(
    people, official
):
    engineer = people["engineer"]
    before = corpus.researcher_stamps()
    project = _project(engineer.user)
    after_adding = corpus.researcher_stamps()
    key = corpus.researcher_id(engineer.id)
    assert after_adding[key] != before[key]
    assert engineer.id in _keys(
        matching.matches_for_text("khí hóa trấu", official).researchers
    )
    saved = matching_model.model_path().stat().st_mtime_ns

    project.title, project.summary = DRYER, "Sấy 5 tấn lúa mỗi giờ."
    db.session.commit()
    assert corpus.researcher_stamps()[key] != after_adding[key]
    assert engineer.id not in _keys(
        matching.matches_for_text("khí hóa trấu", official).researchers
    )
    assert engineer.id in _keys(
        matching.matches_for_text("máy sấy lúa", official).researchers
    )

    db.session.delete(project)
    db.session.commit()
    assert corpus.researcher_stamps()[key] == before[key]
    assert engineer.id not in _keys(
        matching.matches_for_text("máy sấy lúa", official).researchers
    )
    assert (
        matching_model.model_path().stat().st_mtime_ns == saved
    )  # upserts, not a refit


def test_a_project_handed_to_another_pi_moves_with_it(people, official):
    engineer, fish = people["engineer"], people["fish"]
    project = _project(engineer.user)
    assert _keys(matching.matches_for_text("khí hóa trấu", official).researchers) == [
        engineer.id
    ]
    project.pi_id = fish.user_id
    db.session.commit()
    assert _keys(matching.matches_for_text("khí hóa trấu", official).researchers) == [
        fish.id
    ]


def test_the_institution_fingerprint_follows_its_researchers_projects(people):
    before = corpus.institution_stamps(corpus.researcher_stamps())
    _project(people["fish"].user)
    after = corpus.institution_stamps(corpus.researcher_stamps())
    place = db.session.scalar(
        sa.select(Institution.id).where(Institution.slug == "ctu")
    )
    assert after[corpus.institution_id(place)] != before[corpus.institution_id(place)]
