"""dgmbook: the tested code behind the worked solutions of *Deep Generative Models, Assignment 4*.

One module per idea, named as the book names it:

- :mod:`dgmbook.book` -- helpers every chapter uses (``glue`` that also works outside the book,
  the shared figure style);
- :mod:`dgmbook.validation` -- argument checks shared by the public functions;
- the chapter modules (``rbm``, ``nce``, ``language_model``, ``score``, ``score_matching``,
  ``diffusion``, ``datasets``), each with its own ``tests/test_<module>.py``.
"""

from dgmbook.book import glue, use_book_style

__all__ = ["glue", "use_book_style"]
__version__ = "0.1.0"
