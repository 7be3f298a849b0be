"""Command groups of the ``matchmaker`` CLI that belong to one feature each (match, search)."""
