"""The fitted matching model: building it, keeping it in step with the database, persisting and sharing it.

One file under the data folder holds four matchers (researchers, institutions, public texts, officials' texts)
with the fingerprints
they were built from. Each process loads it lazily, reloads it when the file is newer (another worker or
``matchmaker match rebuild`` refitted), and before answering applies what changed since: changed candidates
are transformed with the fitted vocabulary and upserted, removed ones dropped. When the changed share passes a
threshold, :func:`refit` runs as a background job (on Redis, or a thread here) and the new model replaces the old one
atomically, in memory and on disk. Only when no model exists at all is it built during a request.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
from flask import Flask, current_app

from matchmaker.matching import Candidate, TfidfMatcher
from matchmaker.models import utcnow
from matchmaker.services import jobs, writes
from matchmaker.services.matching import corpus

log = logging.getLogger(__name__)

FORMAT = 3  # 2: public and officials' texts in separate matchers; 3: researchers' projects and results
FILE_NAME = "matching.joblib"
LOCK_NAME = "refit.lock"
# A refit lock older than this is left over from a crashed process.
LOCK_STALE_SECONDS = 30 * 60
EXTENSION = "matchmaker.matching"
# "texts" holds only public text and serves everyone; "staff_texts" adds internal text and unpublished records,
# and serves city officials only. Nothing but public text shapes the researchers' and institutions' idf.
GROUPS = ("researchers", "institutions", "texts", "staff_texts")
# Terms each match lists: more than a "why" line shows, as field names and numbers are dropped there.
N_TERMS = 15

Progress = Callable[[int, int], Any]


@dataclass
class Group:
    """One matcher (``None`` while its corpus is empty) and the fingerprints it reflects."""

    matcher: TfidfMatcher | None
    fingerprints: dict[str, Any]
    present: set[
        str
    ]  # candidates in the matcher (a researcher without any text is not)
    fitted: int
    changed: set[str] = field(default_factory=set)

    def needs_refit(self, share: float, minimum: int) -> bool:
        return len(self.changed) >= max(minimum, share * max(self.fitted, 1))


@dataclass
class Model:
    """The three groups and when they were fitted."""

    groups: dict[str, Group]
    fitted_at: datetime
    format: int = FORMAT


class _Live:
    """Per-process state, kept in ``app.extensions``: the loaded model and the refit thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.model: Model | None = None
        self.mtime_ns = 0
        self.thread: threading.Thread | None = None
        # The model last brought up to date, the source tables' version it was brought to, when, when that
        # version was last read, and the number of this process's latest change then (``_changes.last``).
        self.synced: tuple[Model | None, tuple[Any, ...] | None, float, float, int] = (
            None,
            None,
            0.0,
            0.0,
            0,
        )
        # Results built from the model as it is now (match lists), dropped whenever it changes: a sync that
        # applied changes, a reload or a refit moves ``generation``.
        self.generation = 0
        self.memo: OrderedDict[Hashable, Any] = OrderedDict()

    def changed(self) -> None:
        """The model changed: what was built from it is stale. Called with ``lock`` held."""
        self.generation += 1
        self.memo.clear()


def _live(app: Flask | None = None) -> _Live:
    app = app or current_app._get_current_object()
    return app.extensions.setdefault(EXTENSION, _Live())


def model_dir() -> Path:
    """Where the model is kept: ``MATCHING_DIR``, or ``matching/`` in the data (instance) folder."""
    configured = current_app.config.get("MATCHING_DIR")
    path = Path(
        configured or Path(current_app.config["MATCHMAKER_DATA_DIR"]) / "matching"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_path() -> Path:
    return model_dir() / FILE_NAME


# --- Building --------------------------------------------------------------------------------------------


def _fit(candidates: list[Candidate], extra: list[str] = ()) -> TfidfMatcher | None:
    if not candidates:
        return None
    try:
        return TfidfMatcher(n_terms=N_TERMS).fit(candidates, extra_texts=extra)
    except ValueError:
        # No word at all survives tokenising: there is nothing to match against yet.
        return None


def _group(
    candidates: list[Candidate], stamps: dict[str, Any], extra: list[str] = ()
) -> Group:
    return Group(
        _fit(candidates, extra),
        dict(stamps),
        {c.candidate_id for c in candidates},
        len(candidates),
    )


def build_model(step: Callable[[int], Any] = lambda _n: None) -> Model:
    """Read every candidate and fit the matchers; each public corpus shapes the others' idf.

    ``step(n)`` is called once per researcher read and once per matcher fitted.
    """
    # Fingerprints first: a change made while fitting is then seen, and applied, by the next query.
    stamps = corpus.researcher_stamps()
    text_stamps = corpus.text_stamps()
    staff_stamps = corpus.text_stamps(public=False)
    researchers = corpus.researcher_candidates(progress=step)
    texts = corpus.text_candidates()
    text_strings = [corpus.document_text(c.documents[0]) for c in texts]
    research_strings = [
        corpus.document_text(d) for c in researchers for d in c.documents
    ]
    groups = {"researchers": _group(researchers, stamps, text_strings)}
    step(1)
    institutions = corpus.institution_candidates(researchers)
    groups["institutions"] = _group(
        institutions, corpus.institution_stamps(stamps), text_strings
    )
    step(1)
    groups["texts"] = _group(texts, text_stamps, research_strings)
    step(1)
    groups["staff_texts"] = _group(
        corpus.text_candidates(public=False), staff_stamps, research_strings
    )
    step(1)
    return Model(groups, utcnow())


def save_model(model: Model, path: Path) -> int:
    """Write ``model`` to ``path`` atomically (a temporary file, then ``os.replace``); its mtime in ns."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=".matching-", suffix=".tmp"
    )
    os.close(handle)
    try:
        joblib.dump(model, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path.stat().st_mtime_ns


def load_model(path: Path) -> Model | None:
    """The model in ``path``, or ``None`` if there is none or it cannot be read (then it is rebuilt)."""
    try:
        model = joblib.load(path)
    except FileNotFoundError:
        return None
    except Exception:
        # An older library's pickle, a truncated file: rebuilding is the cure.
        log.warning(
            "matching model at %s could not be read; rebuilding", path, exc_info=True
        )
        return None
    if not isinstance(model, Model) or model.format != FORMAT:
        return None
    return model


def refit(progress: Progress | None = None) -> Model:
    """Fit a new model from the database, save it and use it in this process.

    A plain function, for a thread now and a job queue later; it needs an application context.
    ``progress(done, total)`` is called as researchers are read and as each matcher is fitted and saved.
    """
    total = corpus.count_researchers() + len(GROUPS) + 1
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(done, total), total)

    model = build_model(step)
    live = _live()
    with live.lock:
        live.model, live.mtime_ns = model, save_model(model, model_path())
        live.changed()
    _freeze()
    step(1)
    return model


# --- Serving ---------------------------------------------------------------------------------------------


@contextmanager
def serving() -> Iterator[Model]:
    """The model brought up to date with the database, held for this thread while the caller queries it.

    Built during the call only if no model exists; otherwise a refit, when due, runs in the background.
    """
    live = _live()
    with live.lock:
        _load_if_newer(live)
        if live.model is None:
            refit()
        else:
            _sync_if_changed(live)
            if _needs_refit(live.model):
                _start_background_refit(live)
        yield live.model


def _load_if_newer(live: _Live) -> None:
    """Load the saved model unless the one in memory is as new. Called with ``live.lock`` held."""
    path = model_path()
    try:
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime_ns = 0
    if live.model is None or mtime_ns > live.mtime_ns:
        live.model, live.mtime_ns = load_model(path), mtime_ns
        live.changed()
        _freeze()


def warm() -> bool:
    """Load the saved model and bring it up to date now, rather than on the first page with matches:
    gunicorn calls this as each worker starts, so no visitor waits the second or two it takes at 10,000
    researchers. Never fits a model (a missing one is built on the first matching request) and never
    fails: a worker still starts while the database is away. Whether a model is loaded."""
    live = _live()
    try:
        with live.lock:
            _load_if_newer(live)
            if live.model is not None:
                _sync_if_changed(live)
    except Exception:
        log.warning("matching model not warmed at start", exc_info=True)
    return live.model is not None


def recall(key: Hashable) -> Any:
    """What :func:`remember` kept under ``key`` for the model as it is now, or ``None``."""
    live = _live()
    with live.lock:
        found = live.memo.get((live.generation, key))
        if found is not None:
            live.memo.move_to_end((live.generation, key))
        return found


def remember(key: Hashable, value: Any, generation: int) -> None:
    """Keep ``value``, built from the model at ``generation``, until the model changes (the last
    ``MATCHING_MEMO_SIZE`` values at most). A value built from an older model is not kept."""
    live = _live()
    size = int(current_app.config.get("MATCHING_MEMO_SIZE", 256))
    with live.lock:
        if generation != live.generation or size <= 0:
            return
        live.memo[(generation, key)] = value
        while len(live.memo) > size:
            live.memo.popitem(last=False)


def generation() -> int:
    """How many times this process's model changed (a sync, a reload, a refit): what a result built from
    it is valid for."""
    return _live().generation


def _freeze() -> None:
    """Move everything alive, the model just loaded with it, out of the garbage collector's scans
    (``GC_FREEZE``): the model is large and long-lived, and a full collection walking it takes 0.1-0.2 s
    at 10,000 researchers. Parts of a replaced model are still freed when their last reference goes."""
    if current_app.config.get("GC_FREEZE"):
        gc.freeze()


def _sync_if_changed(live: _Live) -> None:
    """Sync the live model unless no source table changed since its last sync (a cheap query).

    The version is read before the fingerprints, so a change committed in between is synced now or next time.
    The version itself is read at most every ``MATCHING_PROBE_SECONDS``, or at once after this process
    committed a change to a source table: another process's change is matched within that time, this
    process's own (the page an editor opens next) at once. Every ``MATCHING_FULL_SYNC_SECONDS`` the
    fingerprints are read anyway: a safety net should app servers' clocks disagree about the latest change.
    """
    config = current_app.config
    now = time.monotonic()
    change = _changes.last
    model, version, synced_at, probed_at, seen_change = live.synced
    current = model is live.model and now - synced_at < float(
        config.get("MATCHING_FULL_SYNC_SECONDS", 300)
    )
    if (
        current
        and change == seen_change
        and now - probed_at < float(config.get("MATCHING_PROBE_SECONDS", 2))
    ):
        return
    latest = corpus.data_version()
    if current and latest == version:
        live.synced = (model, version, synced_at, now, change)
        return
    _sync(live.model)
    # Whatever moved the version (a name, a title: not all of it is in the fingerprints) may show in a list.
    live.changed()
    live.synced = (live.model, latest, now, now, change)


# Commits of this process that changed a source table: a request that has not seen the latest probes at once.
_changes = writes.watch(corpus.SOURCE_TABLES)


def _needs_refit(model: Model) -> bool:
    share = float(current_app.config.get("MATCHING_REFIT_SHARE", 0.2))
    minimum = int(current_app.config.get("MATCHING_REFIT_MIN_CHANGES", 5))
    return any(g.needs_refit(share, minimum) for g in model.groups.values())


def _diff(group: Group, stamps: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Candidate ids whose fingerprint changed (or are new), and ids that are gone."""
    old = group.fingerprints
    changed = {cid for cid, stamp in stamps.items() if old.get(cid) != stamp}
    return changed, set(old) - set(stamps)


def _apply(
    group: Group, stamps: dict[str, Any], fresh: list[Candidate], touched: set[str]
) -> None:
    """Upsert ``fresh`` candidates, remove every other touched one, and record the new fingerprints."""
    if group.matcher is None:
        # Nothing was fitted (the corpus was empty): fit what there is now, small as it is.
        group.matcher = _fit(fresh)
        group.present = {c.candidate_id for c in fresh} if group.matcher else set()
        group.fitted = len(group.present)
    else:
        for candidate in fresh:
            group.matcher.upsert(candidate)
            group.present.add(candidate.candidate_id)
        for candidate_id in touched - {c.candidate_id for c in fresh}:
            if candidate_id in group.present:
                group.matcher.remove(candidate_id)
                group.present.discard(candidate_id)
    group.changed |= touched
    group.fingerprints = dict(stamps)


def _sync_group(
    group: Group, stamps: dict[str, Any], load: Callable[[set[str]], list[Candidate]]
) -> None:
    """Bring one group up to date: ``load(ids)`` reads the current candidates with those ids."""
    changed, gone = _diff(group, stamps)
    if changed or gone:
        _apply(
            group,
            stamps,
            load(set(stamps) if group.matcher is None else changed),
            changed | gone,
        )


def _load_researchers(ids: set[str]) -> list[Candidate]:
    return corpus.researcher_candidates(
        profile_ids={corpus.split_id(i)[1] for i in ids}
    )


def _load_institutions(ids: set[str]) -> list[Candidate]:
    pks = {corpus.split_id(i)[1] for i in ids}
    return corpus.institution_candidates(
        corpus.researcher_candidates(institution_ids=pks), pks
    )


def _sync(model: Model) -> None:
    """Apply every change since the model's fingerprints: researchers, their institutions, texts."""
    stamps = corpus.researcher_stamps()
    _sync_group(model.groups["researchers"], stamps, _load_researchers)
    _sync_group(
        model.groups["institutions"],
        corpus.institution_stamps(stamps),
        _load_institutions,
    )
    _sync_group(model.groups["texts"], corpus.text_stamps(), corpus.text_candidates)
    _sync_group(
        model.groups["staff_texts"],
        corpus.text_stamps(public=False),
        lambda ids: corpus.text_candidates(ids, public=False),
    )


# --- Background refit ------------------------------------------------------------------------------------


def _take_lock(directory: Path) -> Path | None:
    """A lock file shared by every worker, so that one refit runs at a time; ``None`` if it is taken."""
    lock = directory / LOCK_NAME
    try:
        if time.time() - lock.stat().st_mtime > LOCK_STALE_SECONDS:
            lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    return lock


def _lock_held(directory: Path) -> bool:
    """Whether a refit holds the lock (a job in a worker, or another process's thread)."""
    try:
        age = time.time() - (directory / LOCK_NAME).stat().st_mtime
    except FileNotFoundError:
        return False
    return age <= LOCK_STALE_SECONDS


def _start_background_refit(live: _Live) -> None:
    if live.thread is not None and live.thread.is_alive():
        return
    lock = _take_lock(model_dir())
    if lock is None:
        return
    handle = jobs.enqueue(
        "matching.refit",
        "matchmaker.services.matching.model.refit_job",
        str(lock),
        background=True,
    )
    live.thread = handle.thread


def refit_job(lock: str) -> None:
    """The refit job (on Redis, or a thread here): refit, then release the lock taken when it was started.

    The new model is built aside and replaces the saved one atomically: if the job fails or is killed,
    the old model keeps serving (and a lock left by a killed job goes stale after half an hour). A retry
    whose lock was released takes it again, unless another refit holds it.
    """
    path = Path(lock)
    if not path.exists() and _take_lock(path.parent) is None:
        return
    try:
        refit()
    finally:
        path.unlink(missing_ok=True)


def wait_for_refit(app: Flask, timeout: float | None = None) -> bool:
    """Wait for this process's background refit, if one runs; ``True`` once none is running."""
    thread = _live(app).thread
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


# --- State, for administrators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelState:
    """Whether a model is saved, when it was fitted, and whether a refit is running; read without loading."""

    saved: bool
    fitted_at: datetime | None
    refitting: bool


def model_state() -> ModelState:
    """The saved model's state: the loaded model's fitting time, else the file's; cheap (no load, no query)."""
    live = _live()
    path = model_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        mtime = None
    with live.lock:
        fitted_at = live.model.fitted_at if live.model is not None else None
        refitting = live.thread is not None and live.thread.is_alive()
    refitting = refitting or _lock_held(model_dir())
    if fitted_at is None and mtime is not None:
        fitted_at = datetime.fromtimestamp(mtime, tz=UTC)
    return ModelState(saved=mtime is not None, fitted_at=fitted_at, refitting=refitting)
