"""The catalogue: every exercise by name, in the order of the book, one module per question."""

from __future__ import annotations

from dgmbook.exercises import q1, q2, q3, q4
from dgmbook.exercises.engine import Exercise

__all__ = ["EXERCISES", "exercises_of", "chapter_exercises"]

#: Every exercise by name, in the order of the book.
EXERCISES: dict[str, Exercise] = {ex.name: ex for module in (q1, q2, q3, q4) for ex in module.EXERCISES}

#: The chapters ("Your turn" pages) and their exercises.
CHAPTERS = tuple(dict.fromkeys(ex.page for ex in EXERCISES.values()))


def exercises_of(prefix: str) -> list[str]:
    """The names of the exercises whose name starts with ``prefix`` (``"q1"`` includes Part 5.1's
    ``"q1lm-..."``), in catalogue order."""
    if not isinstance(prefix, str) or not prefix:
        raise TypeError(f"prefix must be a non-empty string such as 'q1', got {prefix!r}")
    names = [name for name in EXERCISES if name.startswith(prefix)]
    if not names:
        raise ValueError(f"prefix {prefix!r} matches no exercise; names start with q1, q1lm, q2, q3, q4")
    return names


def chapter_exercises(chapter: str) -> list[str]:
    """Every exercise of a "Your turn" page (``"q1"`` ... ``"q4"``): what a notebook of that chapter
    is graded on, whatever the notebook says."""
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a string such as 'q4', got {type(chapter).__name__}")
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {', '.join(CHAPTERS)}; got {chapter!r}")
    return [name for name, ex in EXERCISES.items() if ex.page == chapter]
