"""Researchers: profiles, publications and intellectual property, reading publication lists."""
