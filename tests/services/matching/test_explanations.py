"""The "why" line on the demo data: every term is a whole word or phrase both texts write alike."""

from __future__ import annotations

import random
import re

import sqlalchemy as sa

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.matching import Document, Lexicon, normalise, occurs, tokenise
from matchmaker.matching.explain import UNITS
from matchmaker.models import ResearcherProfile, ResearchOrder, TechNeed, User
from matchmaker.services.matching import corpus, display, levels
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching import model as matching_model

PAIRS = 30


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", normalise(text).lower())


def _assert_whole_terms(terms: tuple[str, ...], query: str, texts: list[str]) -> None:
    lexicon = Lexicon.load()
    assert len(terms) <= display.SHOWN_TERMS
    for term in terms:
        assert _flat(term) in _flat(query), term
        assert any(occurs(term, text) for text in texts), term
        tokens = [token for phrase in tokenise(term) for token in phrase]
        assert not any(lexicon.is_stop(token) for token in tokens), term
        assert not any(t.text[0].isdigit() or t.text in UNITS for t in tokens), term
        if len(tokens) == 1:
            longer = [other for other in terms if other != term]
            assert not any(occurs(term, other) for other in longer), term


def _queries() -> list:
    orders = db.session.scalars(sa.select(ResearchOrder).order_by(ResearchOrder.id))
    needs = db.session.scalars(sa.select(TechNeed).order_by(TechNeed.id))
    return [corpus.order_document(o) for o in orders] + [
        corpus.need_document(n) for n in needs
    ]


def test_explanations_of_random_demo_pairs_are_whole_shared_terms(app):
    demo.load_demo_data()
    queries = _queries()
    profiles = list(
        db.session.scalars(sa.select(ResearcherProfile).order_by(ResearcherProfile.id))
    )
    rng = random.Random(13)
    shown = 0
    with matching_model.serving() as model:
        matcher = model.groups["researchers"].matcher
    for _ in range(PAIRS):
        query, profile = rng.choice(queries), rng.choice(profiles)
        texts = [corpus.own_text(d) for d in corpus.researcher_documents(profile)]
        terms = matching.explainer(matcher, query)(texts, profile.keywords)
        _assert_whole_terms(terms, corpus.own_text(query), texts)
        shown += len(terms)
    assert shown >= PAIRS  # the pairs are explained, not left empty


def test_the_matches_of_demo_needs_explain_themselves_in_whole_terms(app):
    demo.load_demo_data()
    official = db.session.scalar(
        sa.select(User).where(User.email == demo.APPROVING_OFFICIAL)
    )
    needs = list(db.session.scalars(sa.select(TechNeed).order_by(TechNeed.id)))
    for need in random.Random(13).sample(needs, 5):
        query = corpus.own_text(corpus.need_document(need))
        for view in matching.matches_for_need(need, official).researchers:
            profile = db.session.get(ResearcherProfile, view.key)
            user = sa.select(User.id).where(User.id == profile.user_id)
            work = corpus.work_documents(user).get(profile.user_id, ())
            texts = [
                corpus.own_text(d) for d in corpus.researcher_documents(profile, work)
            ]
            _assert_whole_terms(view.terms, query, texts)
            assert view.evidence
            # A weak match may share only generic words, which are not shown; a good one is explained.
            assert view.terms or view.level is levels.Level.RELATED


GENERIC = (
    "mô hình",
    "hệ thống",
    "kết hợp",
    "trung bình",
    "tỷ đồng",
    "ứng dụng",
    "công ty",
    "liên tục",
)


def test_the_salinity_need_is_explained_without_generic_words(app):
    demo.load_demo_data()
    official = db.session.scalar(
        sa.select(User).where(User.email == demo.APPROVING_OFFICIAL)
    )
    need = db.session.scalar(
        sa.select(TechNeed).where(
            TechNeed.title.startswith("Cảnh báo sớm xâm nhập mặn")
        )
    )
    views = matching.matches_for_need(need, official).researchers
    for view in views:
        assert not set(view.terms) & set(GENERIC), view.terms
    assert all(len(view.terms) >= 2 for view in views[:3])
    assert any("xâm nhập mặn" in term for term in views[0].terms)


def test_demo_explanations_show_shared_domain_words_and_cut_no_word(app):
    demo.load_demo_data()
    with matching_model.serving() as model:
        matcher = model.groups["researchers"].matcher
    query = Document(
        "", title="Phần mềm quản lý dữ liệu nông nghiệp", body="Ứng dụng mô hình"
    )
    texts = ["Ứng dụng mô hình; phần mềm quản trị dữ liệu nông nghiệp cho hợp tác xã"]
    terms = matching.explainer(matcher, query)(texts, ())
    # Most demo texts write "nông nghiệp" and "dữ liệu", yet they say what the match is about.
    assert "dữ liệu nông nghiệp" in terms
    assert "phần mềm" in terms
    assert not set(terms) & {"phần mềm quản", "ứng dụng", "mô hình", "ứng dụng mô hình"}
