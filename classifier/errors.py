"""The exceptions the library raises.

Each carries a message saying what is wrong and, where there is one, a hint
saying how to fix it. The CLI prints them as a single ``Error: ...`` line.
"""

from __future__ import annotations


class ClassifierError(Exception):
    """Base class of every error a user can cause."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class InputError(ClassifierError):
    """A file or argument the user gave cannot be used (missing, unreadable, wrong kind)."""


class TableError(InputError):
    """A table cannot be parsed, or its content cannot be used."""


class ColumnError(TableError):
    """A required column is missing, duplicated, or would be overwritten."""


class LabelError(TableError):
    """The labels in a table cannot train a model (one class, no labels, ...)."""


class ModelError(ClassifierError):
    """A model file is missing, not a model, corrupt, or from an unsupported version."""


class OutputError(ClassifierError):
    """An output file or folder cannot be written."""
