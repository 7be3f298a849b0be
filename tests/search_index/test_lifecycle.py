"""Tests of writing, rebuilding and health: concurrent writers, atomic swaps, missing or corrupt indexes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from matchmaker.search_index import IndexBusy, IndexDoc, IndexUnavailable, SearchIndex
from matchmaker.search_index.storage import Storage
from tests.fixtures.search_index import MakeDoc


def test_upsert_from_concurrent_processes_loses_no_update(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    docs = [make_doc(id=str(i), title=f"Chuyển đổi số {i}") for i in range(24)]
    with ProcessPoolExecutor(
        4, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        list(pool.map(index.upsert, docs))
    result = index.search("chuyển đổi số", limit=100)
    assert sorted(hit.id for hit in result.hits) == sorted(doc.id for doc in docs)


def test_upsert_raises_index_busy_when_lock_is_held(
    index_path: Path, make_doc: MakeDoc
) -> None:
    SearchIndex(index_path).create()
    impatient = SearchIndex(index_path, lock_timeout=0.2)
    with Storage(index_path).locked(), pytest.raises(IndexBusy):
        impatient.upsert(make_doc())


def test_rebuild_keeps_old_index_answering_until_swap(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(id="old", title="Cá tra"))
    reader = SearchIndex(index.path)
    seen_during_build: list[list[str]] = []

    def docs() -> Iterator[IndexDoc]:
        for i in range(3):
            seen_during_build.append([hit.id for hit in reader.search("cá tra").hits])
            yield make_doc(id=f"new{i}", title="Cá tra")

    assert index.rebuild(docs()) == 3
    assert seen_during_build == [["old"]] * 3
    assert sorted(hit.id for hit in reader.search("cá tra").hits) == [
        "new0",
        "new1",
        "new2",
    ]


def test_rebuild_replays_writes_made_during_the_build(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(id="gone", title="Cá tra"))
    writer = SearchIndex(index.path)

    def docs() -> Iterator[IndexDoc]:
        yield make_doc(id="gone", title="Cá tra")
        writer.upsert(make_doc(id="late", title="Cá tra"))
        writer.delete("project", "gone")
        yield make_doc(id="kept", title="Cá tra")

    index.rebuild(docs())
    assert sorted(hit.id for hit in index.search("cá tra").hits) == ["kept", "late"]


def test_rebuild_reports_progress(index: SearchIndex, make_doc: MakeDoc) -> None:
    calls: list[int] = []
    index.rebuild((make_doc() for _ in range(5)), progress=calls.append)
    assert calls == [5]


def test_rebuild_failure_leaves_old_index_live(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(id="old", title="Cá tra"))

    def docs() -> Iterator[IndexDoc]:
        yield make_doc(id="new", title="Cá tra")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(docs())
    assert [hit.id for hit in index.search("cá tra").hits] == ["old"]
    assert len(list(index.path.glob("v-*"))) == 1


def test_search_missing_index_raises_index_unavailable(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "nothing")
    with pytest.raises(IndexUnavailable):
        index.search("lúa")
    assert not index.is_healthy()


def test_check_healthy_index_is_ok(index: SearchIndex, make_doc: MakeDoc) -> None:
    index.upsert(make_doc())
    health = index.check()
    assert (health.ok, health.doc_count) == (True, 1)


def test_search_deleted_version_raises_index_unavailable(index: SearchIndex) -> None:
    for path in index.path.glob("v-*/*"):
        path.unlink()
    with pytest.raises(IndexUnavailable):
        SearchIndex(index.path).search("lúa")
    assert not index.check().ok


# Whoosh leaves the file open when it fails to read a corrupt table of contents or segment.
WHOOSH_LEAKS_FILE = pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")


@WHOOSH_LEAKS_FILE
def test_search_corrupt_toc_raises_index_unavailable(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc())
    for toc in index.path.glob("v-*/*.toc"):
        toc.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(IndexUnavailable):
        SearchIndex(index.path).search("lúa")
    assert not index.is_healthy()


@WHOOSH_LEAKS_FILE
def test_search_corrupt_segment_raises_index_unavailable(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    index.upsert(make_doc(title="Lúa gạo"))
    for segment_file in index.path.glob("v-*/*.seg"):
        segment_file.write_bytes(b"\x00" * 64)
    with pytest.raises(IndexUnavailable):
        SearchIndex(index.path).search("lúa")
    assert not index.is_healthy()


# Same-length replacements keep the pickle well formed: only the class or module it names is gone,
# as after renaming a class or module of this package or upgrading Whoosh.
UNIMPORTABLE = {
    "renamed class": (b"SyllableField", b"SyllableFielX"),
    "renamed module": (
        b"matchmaker.search_index.schema",
        b"matchmaker.search_index.schemX",
    ),
    "class missing from a library": (b"whoosh.fields", b"whoosh.fieldX"),
}


def break_stored_schema(path: Path, old: bytes, new: bytes) -> None:
    """Make the stored schema pickle of every version name a class that cannot be imported."""
    tocs = list(path.glob("v-*/*.toc"))
    assert tocs
    for toc in tocs:
        data = toc.read_bytes()
        assert old in data
        toc.write_bytes(data.replace(old, new))


@WHOOSH_LEAKS_FILE
@pytest.mark.parametrize("old, new", UNIMPORTABLE.values(), ids=list(UNIMPORTABLE))
def test_unimportable_pickled_class_is_unavailable_not_an_error(
    index: SearchIndex, make_doc: MakeDoc, old: bytes, new: bytes
) -> None:
    index.upsert(make_doc(title="Lúa gạo"))
    break_stored_schema(index.path, old, new)
    broken = SearchIndex(index.path)
    with pytest.raises(IndexUnavailable):
        broken.search("lúa")
    with pytest.raises(IndexUnavailable):
        broken.suggest("lú")
    with pytest.raises(IndexUnavailable):
        broken.upsert(make_doc(title="Cá tra"))
    health = broken.check()
    assert not health.ok
    assert health.reason


def test_search_garbled_pointer_raises_index_unavailable(index: SearchIndex) -> None:
    (index.path / "CURRENT").write_text("../../etc")
    with pytest.raises(IndexUnavailable):
        index.search("lúa")


def test_search_empty_index_finds_nothing(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    assert index.search("cá tra", sort="date", filters={"year": 2024}).total == 0
    assert (index.search("cá*").total, index.suggest("cá")) == (0, [])
    assert index.rebuild([]) == 0
    assert index.search("cá tra").total == 0
    index.upsert(make_doc(title="Cá tra"))
    assert index.search("cá tra").total == 1


def test_one_index_object_searches_again_after_each_write(
    index: SearchIndex, make_doc: MakeDoc
) -> None:
    # Whoosh's refresh() shares segment readers with the searcher it replaces; closing that one used to
    # close them under the new searcher (ReaderClosed), and a reused reader could miss a deletion.
    index.upsert(make_doc(id="a", title="Quan trắc xâm nhập mặn"))
    assert [hit.id for hit in index.search("xâm nhập mặn").hits] == ["a"]
    index.upsert(make_doc(id="b", title="Cảnh báo xâm nhập mặn"))
    assert sorted(hit.id for hit in index.search("xâm nhập mặn").hits) == ["a", "b"]
    index.delete("project", "a")
    assert [hit.id for hit in index.search("xâm nhập mặn").hits] == ["b"]
    index.upsert(make_doc(id="b", title="Cảnh báo hạn hán"))
    assert index.search("xâm nhập mặn").hits == []
