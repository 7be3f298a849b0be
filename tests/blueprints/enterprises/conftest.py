"""The enterprise views are read in English."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _read_in_english(english):
    """These tests read the English messages; the platform itself defaults to Vietnamese."""
