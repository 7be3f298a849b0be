"""The institutions of a match list are explained with a fixed number of queries, however many there are."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.matching import Match
from matchmaker.models import Publication, ResearcherProfile
from matchmaker.services.matching import display


def _statements(call) -> tuple[object, int]:
    """What ``call()`` returns and how many SQL statements it sent (the session's cache cleared first)."""
    db.session.expire_all()
    sent: list[str] = []

    def count(*args) -> None:
        sent.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return result, len(sent)


def test_explaining_more_institutions_sends_no_more_queries(make_researcher, places):
    for n, place in enumerate(["ctu", "vlu", "tvu", "lua"]):
        make_researcher(
            f"Nhà khoa học {n}", place, ["xâm nhập mặn"], "Xâm nhập mặn sông Hậu.",
            (f"Xâm nhập mặn sông Hậu {n}", f"Nuôi tôm vùng mặn {n}"), public=True,
        )  # fmt: skip
    papers = db.session.execute(
        sa.select(Publication.id, ResearcherProfile.user_id)
        .join(ResearcherProfile, ResearcherProfile.id == Publication.researcher_id)
        .order_by(Publication.id)
    ).all()
    first: dict[
        int, int
    ] = {}  # each researcher's first paper, researchers in the order made
    for pk, user in papers:
        first.setdefault(user, pk)
    one_per_place = list(first.values())
    matches = [
        Match(f"institution:{place.id}", 0.5, (), f"pub:{pk}")
        for place, pk in zip(
            [places[s] for s in ("ctu", "vlu", "tvu", "lua")],
            one_per_place,
            strict=True,
        )
    ]

    def explain(texts, _words):
        return ("xâm nhập mặn",) if any("mặn" in t for t in texts) else ()

    one, few = _statements(
        lambda: display.institution_views(matches[:1], None, explain)
    )
    four, many = _statements(lambda: display.institution_views(matches, None, explain))

    assert [v.key for v in four] == ["ctu", "vlu", "tvu", "lua"]
    assert [v.evidence for v in four] == [
        f"Xâm nhập mặn sông Hậu {n}" for n in range(4)
    ]
    assert all(v.evidence_kind == "publication" and v.terms for v in four)
    assert len(one) == 1
    assert many == few


def test_a_names_only_summary_reads_neither_institutions_nor_work(
    make_researcher, places
):
    """A home page shows names and levels: the same researchers, in the same order, without the
    institutions' query or the reading of their work."""
    from matchmaker.services.matching import matches as matching

    for n, place in enumerate(["ctu", "vlu", "tvu"]):
        make_researcher(
            f"Nhà khoa học {n}", place, ["xâm nhập mặn"], "Xâm nhập mặn sông Hậu.",
            (f"Xâm nhập mặn sông Hậu {n}", f"Nuôi tôm vùng mặn {n}"), public=True,
        )  # fmt: skip
    text = "Giải pháp dự báo xâm nhập mặn trên sông Hậu cho nuôi tôm"
    matching.matches_for_text(text, None)  # builds the model
    full, full_statements = _statements(lambda: matching.matches_for_text(text, None))
    names, names_statements = _statements(
        lambda: matching.matches_for_text(
            text, None, institutions=False, explained=False
        )
    )
    assert full.institutions and full.researchers[0].terms
    assert [(v.key, v.score) for v in names.researchers] == [
        (v.key, v.score) for v in full.researchers
    ]
    assert names.institutions == []
    assert all(v.terms == () and v.evidence == "" for v in names.researchers)
    assert names_statements < full_statements
    assert names_statements <= 3  # the researchers, their accounts and institutions


def test_a_match_list_is_built_once_until_a_change_reaches_the_model(
    app, make_researcher, make_user
):
    """The next viewer of the same text gets the list without a query; a change made here (a rename,
    which no fingerprint holds; a researcher leaving the public list) shows at once."""
    from matchmaker.models import Role
    from matchmaker.services.matching import matches as matching

    shown = make_researcher(
        "Nguyễn Văn An", "ctu", ["xâm nhập mặn"], "Xâm nhập mặn sông Hậu.", public=True
    )
    make_researcher(
        "Lê Thị Bình", "vlu", ["xâm nhập mặn"], "Dự báo xâm nhập mặn.", public=False
    )
    member = make_user(Role.RESEARCHER, full_name="Trần Minh")
    text = "Dự báo xâm nhập mặn sông Hậu"

    def names(viewer=None) -> list[str]:
        return [v.name for v in matching.matches_for_text(text, viewer).researchers]

    names()  # builds the model, then brings it up to date
    first = names()
    again, statements = _statements(names)
    assert again == first and statements == 0
    # Signed in, the researcher who is not listed publicly shows too: not the visitor's list.
    assert set(names(member)) == {*first, "Lê Thị Bình"} and "Lê Thị Bình" not in first
    shown.full_name = "Nguyễn Văn An (ĐHCT)"
    db.session.commit()
    assert "Nguyễn Văn An (ĐHCT)" in names()
    _profile(shown).public = False
    db.session.commit()
    assert names() == []
    app.config["MATCHING_MEMO_SIZE"] = 0  # none kept: every list is built again
    names(member)
    assert _statements(lambda: names(member))[1] > 0


def _profile(user) -> ResearcherProfile:
    return db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
    )
