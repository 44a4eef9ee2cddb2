"""dgmbook: the tested code behind the worked solutions of *Deep Generative Models, Assignment 4*.

One module per idea, named as the book names it:

- :mod:`dgmbook.book` -- helpers every chapter uses (``glue`` that also works outside the book,
  the shared figure style);
- :mod:`dgmbook.validation` -- argument checks shared by the public functions: a bad argument
  gets a ``ValueError`` or ``TypeError`` naming it (``tests/test_bad_input.py`` holds every public
  callable to that);
- the chapter modules (``rbm``, ``nce``, ``language_model``, ``score``, ``inference``,
  ``score_matching``, ``mixtures``, ``diffusion``, ``datasets``), each with its own
  ``tests/test_<module>.py``;
- :mod:`dgmbook.exercises` -- the "Your turn" exercises: the checking engine, one catalogue module
  per question, the formative check, and the grader's sandbox and judge;
- the publishing tools, apart from the mathematics: ``build`` (the book's editions), ``pdf`` (the
  print edition) and ``grade`` (the grader's command line).

The code is MIT-licensed (``LICENSE``); the book's text and figures are CC BY 4.0
(``LICENSE-CONTENT``); ``CITATION.cff`` says how to cite the book.
"""

from dgmbook.book import glue, use_book_style

__all__ = ["glue", "use_book_style"]
__version__ = "0.1.0"
