"""An institution as the merge of its researchers' documents."""

from __future__ import annotations

from matchmaker.matching import Candidate, Document


def test_merging_members_counts_a_shared_document_once():
    shared = Document("project:1", title="Lò khí hóa trấu")
    lead = Candidate("researcher:1", (Document("pub:1", title="Điều khiển"), shared))
    member = Candidate("researcher:2", (shared, Document("pub:2", title="Cá tra")))
    merged = Candidate.merge("institution:1", [lead, member], lead.meta)
    assert [d.doc_id for d in merged.documents] == ["pub:1", "project:1", "pub:2"]
