"""Saving and loading a fitted matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.matching import NotFittedError, TfidfMatcher


def test_save_load_round_trip_gives_same_matches(
    matcher: TfidfMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "matcher.joblib"
    matcher.save(path)
    loaded = TfidfMatcher.load(path)
    for text in ("nuôi tôm", "salinity intrusion", "CNTT", "hoc may"):
        assert loaded.query(text) == matcher.query(text)


def test_load_rejects_other_objects(tmp_path: Path) -> None:
    import joblib

    path = tmp_path / "other.joblib"
    joblib.dump({"not": "a matcher"}, path)
    with pytest.raises(TypeError):
        TfidfMatcher.load(path)


def test_save_before_fit_raises_not_fitted(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        TfidfMatcher().save(tmp_path / "m.joblib")
