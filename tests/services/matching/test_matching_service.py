"""Matching use cases: ranking, privacy, filters, duplicates, recommendations, and keeping the model current."""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.matching import occurs
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    Institution,
    NeedStatus,
    Proposal,
    Publication,
    ResearcherField,
    ResearcherProfile,
    ResearchOrder,
    Role,
    TechNeed,
    User,
    utcnow,
)
from matchmaker.services.accounts import users
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching import model as matching_model
from matchmaker.services.researchers import profiles, publications
from matchmaker.validators import title_key

SALINITY_NEED = (
    "Cảnh báo sớm xâm nhập mặn sông Hậu",
    "Dự báo độ mặn và xâm nhập mặn tại cửa lấy nước trên sông Hậu bằng mô hình thủy lực.",
)


@pytest.fixture
def make_profile_at(make_user):
    def make(name: str, institution: Institution | None, keywords: list[str], summary: str,
             papers: tuple[str, ...] = (), fields: tuple[str, ...] = (), **profile) -> ResearcherProfile:  # fmt: skip
        user = make_user(
            Role.RESEARCHER,
            full_name=name,
            institution_id=institution.id if institution else None,
        )
        researcher = ResearcherProfile(
            user=user, keywords=keywords, summary=summary, links=[],
            field_rows=[ResearcherField(field_code=c) for c in fields],
            publications=[Publication(title=t, title_key=title_key(t), abstract="") for t in papers],
            **profile,
        )  # fmt: skip
        db.session.add(researcher)
        db.session.commit()
        return researcher

    return make


@pytest.fixture
def matching_people_rows(
    matching_places, make_profile_at
) -> dict[str, ResearcherProfile]:
    """Two salinity researchers (one not publicly listed), a fish pathologist, a rice breeder."""
    return {
        "salt": make_profile_at(
            "Trương Hoàng Phúc", matching_places["ctu"], ["xâm nhập mặn", "thủy văn", "dự báo độ mặn"],
            "Mô hình thủy lực dự báo xâm nhập mặn trên sông Hậu.",
            ("Mô phỏng xâm nhập mặn sông Hậu bằng MIKE 11",), ("105",),
        ),
        "hidden": make_profile_at(
            "Lê Thị Mỹ Duyên", matching_places["ctu"], ["xâm nhập mặn", "viễn thám"],
            "Viễn thám theo dõi hạn mặn và xâm nhập mặn vùng ven biển.",
            ("Viễn thám hạn mặn ven biển",), ("105",), public=False,
        ),
        "fish": make_profile_at(
            "Nguyễn Thanh Tâm", matching_places["lua"], ["cá tra", "bệnh thủy sản"],
            "Phòng bệnh gan thận mủ trên cá tra giống.", ("Bệnh gan thận mủ cá tra",), ("405",),
        ),
        "rice": make_profile_at(
            "Huỳnh Văn Lộc", matching_places["lua"], ["giống lúa", "chọn tạo giống"],
            "Chọn tạo giống lúa thơm ngắn ngày.", ("Giống lúa thơm ngắn ngày",), ("401",),
            open_to_orders=False,
        ),
    }  # fmt: skip


def _need(enterprise: Enterprise, title: str, description: str, **extra) -> TechNeed:
    need = TechNeed(
        enterprise_id=enterprise.id, title=title, description=description, **extra
    )
    db.session.add(need)
    db.session.commit()
    return need


def _order(agency: Institution, title: str, content: str, state: str = "published", **extra) -> ResearchOrder:  # fmt: skip
    order = ResearchOrder(
        title=title, agency_id=agency.id, main_content=content, state=state, **extra
    )
    db.session.add(order)
    db.session.commit()
    return order


def _keys(views) -> list:
    return [v.key for v in views]


def _profile_input(profile: ResearcherProfile, **changes) -> profiles.ProfileInput:
    values = dict(
        full_name=profile.user.full_name, academic_title=None, degree=None,
        institution_id=profile.user.institution_id, department="", position="",
        field_codes=profile.field_codes, priority_area=None, keywords=profile.keywords,
        summary=profile.summary, capabilities="", orcid=None, contact_email=None, links=[],
        open_to_orders=profile.open_to_orders, public=profile.public,
    )  # fmt: skip
    return profiles.ProfileInput(**(values | changes))


def test_matches_rank_the_researcher_whose_work_fits_first(
    matching_people_rows, make_user
):
    viewer = make_user(Role.OFFICIAL)
    found = matching.matches_for_text(" ".join(SALINITY_NEED), viewer)
    assert set(_keys(found.researchers)[:2]) == {
        matching_people_rows["salt"].id,
        matching_people_rows["hidden"].id,
    }
    assert matching_people_rows["fish"].id not in _keys(found.researchers)
    assert _keys(found.institutions) == ["ctu"]


def test_match_explains_itself_with_shared_terms_and_a_publication(
    matching_people_rows, make_user
):
    found = matching.matches_for_text(" ".join(SALINITY_NEED), make_user(Role.OFFICIAL))
    top = next(v for v in found.researchers if v.key == matching_people_rows["salt"].id)
    assert any(occurs("xâm nhập mặn", term) for term in top.terms)
    assert top.evidence == "Mô phỏng xâm nhập mặn sông Hậu bằng MIKE 11"
    assert top.evidence_kind == "publication" and 0 < top.score <= 1


def test_visitors_only_see_publicly_listed_researchers(matching_people_rows, make_user):
    anonymous = matching.matches_for_text(" ".join(SALINITY_NEED), None)
    signed_in = matching.matches_for_text(" ".join(SALINITY_NEED), make_user())
    assert matching_people_rows["hidden"].id not in _keys(anonymous.researchers)
    assert matching_people_rows["salt"].id in _keys(anonymous.researchers)
    assert matching_people_rows["hidden"].id in _keys(signed_in.researchers)


def test_a_summary_need_is_matched_on_its_title_for_visitors(
    matching_people_rows, water_company, make_user
):
    need = _need(
        water_company, "Tối ưu vận hành trạm bơm", "Cảnh báo xâm nhập mặn và độ mặn sông Hậu.",
        confidentiality=Confidentiality.SUMMARY,
    )  # fmt: skip
    anonymous = matching.matches_for_need(need, None)
    signed_in = matching.matches_for_need(need, make_user())
    assert matching_people_rows["salt"].id not in _keys(anonymous.researchers)
    assert all("mặn" not in term for v in anonymous.researchers for term in v.terms)
    assert matching_people_rows["salt"].id in _keys(signed_in.researchers)


def test_internal_order_parts_are_matched_for_officials_only(
    matching_people_rows, matching_places, make_user
):
    order = _order(
        matching_places["so"], "Nhiệm vụ đặt hàng 2026", "Dự báo xâm nhập mặn sông Hậu.",
        internal_parts=["main_content"],
    )  # fmt: skip
    assert matching.matches_for_order(order, None).researchers == []
    official = matching.matches_for_order(order, make_user(Role.OFFICIAL))
    assert matching_people_rows["salt"].id in _keys(official.researchers)


@pytest.mark.parametrize(
    ("options", "kept", "dropped"),
    [
        (matching.MatchOptions(field_code="401"), {"rice"}, {"salt", "fish"}),
        (matching.MatchOptions(field_code="4"), {"rice", "fish"}, {"salt"}),
        (
            matching.MatchOptions(institution_kind="institute"),
            {"rice", "fish"},
            {"salt"},
        ),
        (matching.MatchOptions(available_only=True), {"salt", "fish"}, {"rice"}),
        (matching.MatchOptions(public_only=True), {"salt"}, {"hidden"}),
    ],
)
def test_filters_keep_only_the_candidates_asked_for(
    matching_people_rows, make_user, options, kept, dropped
):
    text = "xâm nhập mặn sông Hậu, bệnh cá tra, giống lúa thơm"
    found = set(
        _keys(matching.matches_for_text(text, make_user(), options).researchers)
    )
    assert {matching_people_rows[n].id for n in kept} <= found
    assert not {matching_people_rows[n].id for n in dropped} & found


def test_excluded_candidates_are_never_proposed(matching_people_rows, make_user):
    options = matching.MatchOptions(
        exclude_profile_ids=frozenset({matching_people_rows["salt"].id})
    )
    found = matching.matches_for_text(" ".join(SALINITY_NEED), make_user(), options)
    assert matching_people_rows["salt"].id not in _keys(found.researchers)
    assert matching_people_rows["hidden"].id in _keys(found.researchers)


def test_diversity_keeps_at_most_n_researchers_per_institution(
    matching_people_rows, make_user
):
    options = matching.MatchOptions(max_per_institution=1)
    found = matching.matches_for_text(" ".join(SALINITY_NEED), make_user(), options)
    assert (
        len([v for v in found.researchers if v.detail == "Trường Đại học Cần Thơ"]) == 1
    )


def test_conflicted_researchers_are_the_applicants_and_their_institutions(
    matching_people_rows, matching_places, make_user
):
    order = _order(
        matching_places["so"],
        "Dự báo mặn",
        "Dự báo xâm nhập mặn.",
        state="under_review",
    )
    db.session.add(
        Proposal(order_id=order.id, pi_id=matching_people_rows["salt"].user_id,
                 institution_id=matching_places["ctu"].id, budget=1, submitted_at=utcnow())
    )  # fmt: skip
    db.session.commit()
    conflicted = matching.conflicted_profile_ids(order)
    assert conflicted == {
        matching_people_rows["salt"].id,
        matching_people_rows["hidden"].id,
    }


def test_a_profile_change_is_matched_at_once_without_a_refit(
    matching_people_rows, make_user
):
    viewer = make_user()
    assert matching_people_rows["fish"].id not in _keys(
        matching.matches_for_text("dự báo độ mặn", viewer).researchers
    )
    path = matching_model.model_path()
    saved = path.stat().st_mtime_ns
    profiles.update_profile(
        matching_people_rows["fish"], matching_people_rows["fish"].user,
        _profile_input(matching_people_rows["fish"], keywords=["cá tra", "dự báo độ mặn"]),
    )  # fmt: skip
    assert matching_people_rows["fish"].id in _keys(
        matching.matches_for_text("dự báo độ mặn", viewer).researchers
    )
    assert (
        path.stat().st_mtime_ns == saved
    )  # transformed with the fitted vocabulary, not refitted


def test_a_new_publication_and_a_new_researcher_are_matched(
    matching_people_rows, matching_places, make_user, make_profile_at
):
    viewer = make_user()
    matching.matches_for_text("cá tra", viewer)
    publications.add_publication(
        matching_people_rows["rice"], matching_people_rows["rice"].user,
        publications.PublicationInput("Bệnh gan thận mủ trên cá tra nuôi", "", 2025, "", None, ""),
    )  # fmt: skip
    newcomer = make_profile_at(
        "Trần Văn Mới", matching_places["ctu"], ["cá tra"], "Dinh dưỡng cá tra."
    )
    found = _keys(matching.matches_for_text("cá tra", viewer).researchers)
    assert {matching_people_rows["rice"].id, newcomer.id} <= set(found)


def test_a_deactivated_researcher_is_no_longer_matched(matching_people_rows, make_user):
    viewer = make_user()
    matching.matches_for_text("xâm nhập mặn", viewer)
    users.set_active(matching_people_rows["salt"].user, False)
    found = matching.matches_for_text("xâm nhập mặn", viewer)
    assert matching_people_rows["salt"].id not in _keys(found.researchers)


def test_a_researcher_moving_institution_moves_the_institution_match(
    matching_people_rows, matching_places, make_user
):
    viewer = make_user()
    assert "vien-lua" not in _keys(
        matching.matches_for_text("xâm nhập mặn", viewer).institutions
    )
    profiles.update_profile(
        matching_people_rows["salt"], matching_people_rows["salt"].user,
        _profile_input(matching_people_rows["salt"], institution_id=matching_places["lua"].id),
    )  # fmt: skip
    assert "vien-lua" in _keys(
        matching.matches_for_text("xâm nhập mặn", viewer).institutions
    )


def test_many_changes_refit_in_the_background(
    app, matching_people_rows, matching_places, make_user, make_profile_at
):
    app.config |= {"MATCHING_REFIT_MIN_CHANGES": 2, "MATCHING_REFIT_SHARE": 0.3}
    viewer = make_user()
    matching.matches_for_text("cá tra", viewer)
    for n in range(3):
        make_profile_at(
            f"Nghiên cứu viên {n}",
            matching_places["ctu"],
            ["ốc bươu"],
            "Nuôi ốc bươu đen.",
        )
    with matching_model.serving() as served:
        # The request is answered by the old model, brought up to date with upserts.
        assert len(served.groups["researchers"].changed) == 3
    assert matching.wait_for_refit(app, timeout=60)
    with matching_model.serving() as refitted:
        assert refitted is not served
        assert refitted.groups["researchers"].changed == set()
        assert refitted.groups["researchers"].fitted == 7
    assert not (matching_model.model_dir() / matching_model.LOCK_NAME).exists()


def test_a_newer_model_on_disk_replaces_the_one_in_memory(
    matching_people_rows, make_user, make_profile_at, matching_places
):
    viewer = make_user()
    matching.matches_for_text("cá tra", viewer)
    with matching_model.serving() as before:
        pass
    # Another worker (or `matchmaker match rebuild`) writes a new model file.
    newer = matching_model.build_model()
    path = matching_model.model_path()
    matching_model.save_model(newer, path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    with matching_model.serving() as after:
        assert after is not before and after.fitted_at == newer.fitted_at


def test_an_unreadable_model_file_is_rebuilt(matching_people_rows, make_user):
    path = matching_model.model_path()
    path.write_bytes(b"not a model")
    found = matching.matches_for_text("xâm nhap man", make_user())
    assert matching_people_rows["salt"].id in _keys(found.researchers)
    assert matching_model.load_model(path) is not None


def test_refit_replaces_the_file_atomically_and_reports_progress(matching_people_rows):
    calls = []
    summary = matching.refit(lambda done, total: calls.append((done, total)))
    assert summary == {
        "researchers": 4,
        "institutions": 2,
        "texts": 0,
        "staff_texts": 0,
    }
    assert calls[-1][0] == calls[-1][1] and calls == sorted(calls)
    assert [p.name for p in matching_model.model_dir().iterdir()] == ["matching.joblib"]


def test_an_empty_platform_matches_nothing_then_fits_the_first_researcher(
    matching_places, make_user, make_profile_at
):
    viewer = make_user()
    assert matching.matches_for_text("xâm nhập mặn", viewer).researchers == []
    salt = make_profile_at(
        "Phúc", matching_places["ctu"], ["xâm nhập mặn"], "Dự báo xâm nhập mặn."
    )
    assert _keys(matching.matches_for_text("xâm nhập mặn", viewer).researchers) == [
        salt.id
    ]


def test_duplicates_list_similar_orders_and_needs_the_viewer_may_see(
    matching_places, water_company, make_user
):
    seen = _need(water_company, *SALINITY_NEED)
    private = _need(
        water_company, *SALINITY_NEED, confidentiality=Confidentiality.PRIVATE
    )
    draft = _order(
        matching_places["so"], SALINITY_NEED[0], SALINITY_NEED[1], state="draft"
    )
    done = _order(
        matching_places["so"], SALINITY_NEED[0], SALINITY_NEED[1], state="closed"
    )
    _order(
        matching_places["so"],
        "Giống lúa thơm",
        "Chọn tạo giống lúa thơm ngắn ngày.",
    )
    text, title = SALINITY_NEED[1], SALINITY_NEED[0]
    other_rep = make_user(Role.ENTERPRISE)
    found = matching.duplicates_for_text(text, title=title, viewer=other_rep)
    assert {(v.kind, v.key) for v in found} == {("need", seen.id), ("order", done.id)}
    staff = matching.duplicates_for_text(
        text, title=title, viewer=make_user(Role.OFFICIAL)
    )
    assert {(v.kind, v.key) for v in staff} == {
        ("need", seen.id), ("need", private.id), ("order", draft.id), ("order", done.id),
    }  # fmt: skip
    assert all(v.score >= matching.DUPLICATE_MIN_SCORE for v in staff)


def test_duplicates_leave_out_the_draft_itself(matching_places, make_user):
    draft = _order(
        matching_places["so"], SALINITY_NEED[0], SALINITY_NEED[1], state="draft"
    )
    official = make_user(Role.OFFICIAL)
    assert (
        matching.duplicates_for_text(SALINITY_NEED[1], draft.id, viewer=official) == []
    )
    assert matching.duplicates_for_text("", viewer=official) == []


def test_recommendations_are_open_calls_and_open_needs(
    matching_people_rows, matching_places, water_company
):
    call = _order(
        matching_places["so"],
        "Dự báo xâm nhập mặn",
        "Cảnh báo xâm nhập mặn sông Hậu.",
    )
    _order(
        matching_places["so"],
        "Xâm nhập mặn (bản nháp)",
        "Xâm nhập mặn sông Hậu.",
        state="draft",
    )
    _order(
        matching_places["so"],
        "Xâm nhập mặn (đã xong)",
        "Xâm nhập mặn sông Hậu.",
        state="closed",
    )
    need = _need(water_company, *SALINITY_NEED)
    _need(
        water_company,
        "Mặn đã xử lý",
        "Xâm nhập mặn sông Hậu.",
        status=NeedStatus.FULFILLED,
    )
    _need(
        water_company,
        "Mặn riêng",
        "Xâm nhập mặn sông Hậu.",
        confidentiality=Confidentiality.PRIVATE,
    )
    found = matching.recommendations_for(matching_people_rows["salt"].user)
    assert _keys(found.orders) == [call.id]
    assert _keys(found.needs) == [need.id]
    assert matching.recommendations_for(matching_people_rows["fish"].user).orders == []


def test_recommendations_explain_only_what_they_show(
    matching_people_rows, matching_places, water_company, monkeypatch
):
    """At most ``k`` of each kind are shown, and only those are explained (the first version explained
    fifty texts to show ten)."""
    for n in range(4):
        _order(
            matching_places["so"],
            f"Dự báo xâm nhập mặn {n}",
            "Cảnh báo xâm nhập mặn sông Hậu.",
        )
        _need(water_company, f"{SALINITY_NEED[0]} {n}", SALINITY_NEED[1])
    explained = []
    make_explainer = matching.explainer

    def counting(matcher, query):
        explain = make_explainer(matcher, query)

        def counted(texts, words):
            explained.append(texts)
            return explain(texts, words)

        return counted

    monkeypatch.setattr(matching, "explainer", counting)
    every = matching.recommendations_for(matching_people_rows["salt"].user, k=10)
    assert len(every.orders) == 4 and len(every.needs) == 4
    explained.clear()
    two = matching.recommendations_for(matching_people_rows["salt"].user, k=2)
    assert _keys(two.orders) == _keys(every.orders)[:2]
    assert _keys(two.needs) == _keys(every.needs)[:2]
    assert all(v.terms for v in [*two.orders, *two.needs])
    assert len(explained) == 4


def test_match_options_from_form_arguments_ignore_unknown_values():
    options = matching.MatchOptions.from_args(
        {"match_field": "105", "match_kind": "moon", "match_per_institution": "99",
         "match_available": "1"}
    )  # fmt: skip
    assert options == matching.MatchOptions(field_code="105", available_only=True)


def _demo_salinity() -> tuple[ResearchOrder, set[int]]:
    rows = json.loads((demo.DATA_DIR / "orders.json").read_text(encoding="utf-8"))
    title = next(
        r["title"]
        for r in rows
        if r["key"] == "du-bao-canh-bao-som-xam-nhap-man-song-hau"
    )
    order = db.session.scalar(
        sa.select(ResearchOrder).where(ResearchOrder.title == normalise(title))
    )
    researchers = json.loads(
        (demo.DATA_DIR / "researchers.json").read_text(encoding="utf-8")
    )
    emails = [
        r["email"] for r in researchers if r.get("priority_area") == "salinity_water"
    ]
    ids = db.session.scalars(
        sa.select(ResearcherProfile.id)
        .join(ResearcherProfile.user)
        .where(User.email.in_(emails))
    )
    return order, set(ids)


def test_demo_salinity_order_ranks_the_salinity_researchers_first(app):
    demo.load_demo_data()
    order, salinity = _demo_salinity()
    assert len(salinity) >= 5
    for viewer in (
        None,
        db.session.scalar(sa.select(User).where(User.email == demo.APPROVING_OFFICIAL)),
    ):
        ranked = _keys(matching.matches_for_order(order, viewer).researchers)
        assert set(ranked[: len(salinity)]) == salinity, viewer


def test_demo_salinity_researcher_is_recommended_the_salinity_order(app):
    demo.load_demo_data()
    order, salinity = _demo_salinity()
    researcher = db.session.get(ResearcherProfile, min(salinity)).user
    assert matching.recommendations_for(researcher).orders[0].key == order.id


def test_cli_match_rebuild_fits_and_saves_the_model(runner, matching_people_rows):
    result = runner.invoke(args=["match", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Fitting the matching model" in result.output
    assert "researchers: 4, institutions: 2, texts: 0" in result.output
    assert matching_model.load_model(matching_model.model_path()) is not None


def test_a_publication_edited_in_place_counts_as_an_addition_does(
    matching_people_rows, make_user
):
    viewer = make_user()
    query = "vắc xin bệnh gan thận mủ"
    assert matching_people_rows["rice"].id not in _keys(
        matching.matches_for_text(query, viewer).researchers
    )
    paper = matching_people_rows["rice"].publications[0]
    paper.title = (
        "Vắc xin phòng bệnh gan thận mủ trên cá tra"  # same count, same last id
    )
    db.session.commit()
    assert matching_people_rows["rice"].id in _keys(
        matching.matches_for_text(query, viewer).researchers
    )
