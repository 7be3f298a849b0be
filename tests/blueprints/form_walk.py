"""Walks every form class of the blueprints, and every field inside them, for the class-wide form tests."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField


def form_classes() -> list[type]:
    """Every FlaskForm subclass defined under matchmaker.blueprints."""
    seen, stack = [], list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("matchmaker.blueprints") and cls not in seen:
            seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def leaves(fields):
    """The plain fields of a form, inside field lists and nested forms too."""
    for field in fields:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from leaves(
                    entry.form if isinstance(entry, FormField) else [entry]
                )
        elif isinstance(field, FormField):
            yield from leaves(field.form)
        else:
            yield field
