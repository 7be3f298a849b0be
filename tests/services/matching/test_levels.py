"""Scores as people read them: match and duplicate levels, identical drafts, and the demo data's calibration."""

from __future__ import annotations

import json
import unicodedata

import pytest
import sqlalchemy as sa
from flask import session

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    ResearcherProfile,
    ResearchOrder,
    Role,
    TechNeed,
    User,
)
from matchmaker.services.matching import levels
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching.levels import Level

SALINITY = (
    "Cảnh báo sớm xâm nhập mặn sông Hậu",
    "Dự báo độ mặn và xâm nhập mặn tại cửa lấy nước trên sông Hậu bằng mô hình thủy lực.",
)
# A seafood processor's wastewater need, as an enterprise would draft it.
WASTEWATER = (
    "Xử lý nước thải chế biến thủy sản",
    "Nhà máy chế biến cá tra phi lê của chúng tôi thải ra khoảng 2.000 m³ nước thải mỗi ngày, giàu đạm, dầu mỡ "
    "và chất rắn lơ lửng. Hệ thống xử lý hiện tại không ổn định, thường vượt QCVN 11-MT:2015/BTNMT về COD và "
    "amoni. Chúng tôi cần giải pháp công nghệ xử lý nước thải tiết kiệm năng lượng, có thể thu hồi biogas "
    "hoặc bùn làm phân bón.",
)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0.5, Level.STRONG),
        (levels.STRONG_MATCH_SCORE, Level.STRONG),
        (0.149, Level.GOOD),
        (levels.GOOD_MATCH_SCORE, Level.GOOD),
        (0.079, Level.RELATED),
        (0.03, Level.RELATED),
    ],
)
def test_match_level_follows_the_thresholds(score, level):
    assert levels.match_level(score) is level


@pytest.mark.parametrize(
    ("score", "identical", "level"),
    [
        (0.9, False, Level.VERY_SIMILAR),
        (levels.VERY_SIMILAR_SCORE, False, Level.VERY_SIMILAR),
        (0.399, False, Level.SIMILAR),
        (levels.SIMILAR_SCORE, False, Level.SIMILAR),
        (0.3, True, Level.IDENTICAL),
    ],
)
def test_duplicate_level_follows_the_thresholds(score, identical, level):
    assert levels.duplicate_level(score, identical) is level


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("en", ["Strong match", "Good match", "Related", "Identical", "Very similar", "Similar"]),
        ("vi", ["Rất phù hợp", "Phù hợp", "Có liên quan", "Trùng hoàn toàn", "Rất giống", "Tương tự"]),
    ],
)  # fmt: skip
def test_levels_read_in_english_and_vietnamese(app, lang, labels):
    with app.test_request_context():
        session["lang"] = lang
        assert [level.label for level in Level] == labels


def test_text_key_ignores_unicode_form_case_and_spacing():
    nfd = unicodedata.normalize("NFD", "Xâm nhập  MẶN\n sông Hậu ")
    assert levels.text_key(nfd) == levels.text_key("xâm nhập mặn sông hậu")
    assert levels.text_key("xâm nhập mặn") != levels.text_key("xam nhap man")


def _need(enterprise: Enterprise, title: str, description: str, **extra) -> TechNeed:
    need = TechNeed(
        enterprise_id=enterprise.id, title=title, description=description, **extra
    )
    db.session.add(need)
    db.session.commit()
    return need


def test_an_identical_draft_is_flagged_identical_and_listed_first(
    water_company, make_user
):
    near = _need(water_company, SALINITY[0], SALINITY[1] + " Có trạm quan trắc.")
    same = _need(water_company, *SALINITY)
    typed = unicodedata.normalize("NFD", f"  {SALINITY[1].upper()}\n")
    found = matching.duplicates_for_text(
        typed, title=SALINITY[0].lower(), viewer=make_user(Role.ENTERPRISE)
    )
    assert [(v.key, v.identical) for v in found] == [(same.id, True), (near.id, False)]
    assert found[0].duplicate_level is Level.IDENTICAL
    assert found[1].duplicate_level is Level.VERY_SIMILAR


def test_identity_is_judged_on_what_the_viewer_may_read(water_company, make_user):
    # A visitor reads only the title of a need shared in summary: its hidden text never makes it "identical".
    summary = _need(water_company, *SALINITY, confidentiality=Confidentiality.SUMMARY)
    for viewer, identical in ((None, False), (make_user(Role.ENTERPRISE), True)):
        found = matching.duplicates_for_text(
            SALINITY[1], title=SALINITY[0], viewer=viewer
        )
        assert [(v.key, v.identical) for v in found] == [(summary.id, identical)]


def _demo_user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _demo_order(title: str) -> ResearchOrder:
    return db.session.scalar(
        sa.select(ResearchOrder).where(ResearchOrder.title == normalise(title))
    )


def test_demo_wastewater_need_is_not_a_duplicate_of_rice_husk_gasification(app):
    demo.load_demo_data()
    gasification = db.session.scalar(
        sa.select(ResearchOrder).where(ResearchOrder.title.contains("khí hóa trấu"))
    )
    for viewer in (
        _demo_user("enterprise@demo.cantho.example"),
        _demo_user(demo.APPROVING_OFFICIAL),
    ):
        found = matching.duplicates_for_text(
            WASTEWATER[1], title=WASTEWATER[0], viewer=viewer
        )
        assert ("order", gasification.id) not in {(v.kind, v.key) for v in found}


def test_demo_orders_written_from_a_need_are_listed_as_its_duplicates(app):
    demo.load_demo_data()
    rows = json.loads((demo.DATA_DIR / "orders.json").read_text(encoding="utf-8"))
    official = _demo_user(demo.APPROVING_OFFICIAL)
    pairs = [(_demo_order(r["title"]), r["need"]) for r in rows if r["need"]]
    assert len(pairs) >= 8
    for order, need_title in pairs:
        need = db.session.scalar(
            sa.select(TechNeed).where(TechNeed.title == normalise(need_title))
        )
        found = matching.duplicates_for_text(
            "\n".join(
                (need.description, need.desired_outcome or "", need.targets or "")
            ),
            title=need.title,
            viewer=official,
            exclude_need_id=need.id,
        )
        assert ("order", order.id) in {(v.kind, v.key) for v in found}, need_title


def test_demo_order_s_intended_researcher_reads_as_a_good_match_or_better(app):
    demo.load_demo_data()
    rows = json.loads((demo.DATA_DIR / "orders.json").read_text(encoding="utf-8"))
    official = _demo_user(demo.APPROVING_OFFICIAL)
    led = [(_demo_order(r["title"]), r["proposals"][0]["pi"]) for r in rows if r["proposals"]]  # fmt: skip
    assert len(led) >= 15
    for order, email in led:
        profile_id = db.session.scalar(
            sa.select(ResearcherProfile.id)
            .join(ResearcherProfile.user)
            .where(User.email == email)
        )
        views = matching.matches_for_order(order, official, k=20).researchers
        level = next(v.level for v in views if v.key == profile_id)
        assert level in (Level.STRONG, Level.GOOD), (order.title, email)
