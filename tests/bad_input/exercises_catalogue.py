"""Bad input for dgmbook.exercises.catalogue."""

from bad_input import bad
from dgmbook.exercises import catalogue

CASES = {
    "exercises_of": [
        bad(lambda: catalogue.exercises_of(None), TypeError, "prefix"),
        bad(lambda: catalogue.exercises_of("q9"), ValueError, "prefix", "matches no exercise"),
    ],
    "chapter_exercises": [
        bad(lambda: catalogue.chapter_exercises(4), TypeError, "chapter"),
        bad(lambda: catalogue.chapter_exercises("q1lm"), ValueError, "chapter", "q1"),
    ],
}

VALID = [lambda: catalogue.chapter_exercises("q1")]  # Part 5.1's exercise belongs to Question 1
