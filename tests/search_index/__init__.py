"""Tests of matchmaker.search_index."""
