"""Institutions: universities, institutes and city agencies, and their staff imports."""
