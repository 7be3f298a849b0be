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
