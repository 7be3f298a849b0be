"""Tests of the array-block codec: Whoosh's own matcher and the numpy reader agree."""

from __future__ import annotations

import numpy as np

from matchmaker.search_index import SearchIndex
from matchmaker.search_index.postings import read_postings
from tests.fixtures.search_index import MakeDoc


def test_read_postings_matches_whoosh_matcher_across_blocks(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    # 2,500 documents span several 1,024-posting blocks; every third one has the word twice.
    index.upsert_many(
        [
            make_doc(title="Cá tra" + (" cá" if i % 3 == 0 else ""), body="")
            for i in range(2500)
        ]
    )
    reader = index._searcher().reader()  # white-box: one segment, read both ways
    ids, tfs = read_postings(reader, "title", "ca")
    expected = list(reader.postings("title", "ca").items_as("weight"))
    assert ids.tolist() == [docnum for docnum, _ in expected]
    assert np.allclose(tfs, [weight for _, weight in expected])
    assert sorted(set(tfs.tolist())) == [1.0, 2.0]


def test_search_after_many_small_commits_merges_segments(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    for i in range(30):
        index.upsert(make_doc(id=str(i), title="Nông nghiệp công nghệ cao"))
    index.delete("project", "7")
    result = index.search('"nông nghiệp"', limit=100)
    assert sorted(int(hit.id) for hit in result.hits) == [
        i for i in range(30) if i != 7
    ]
