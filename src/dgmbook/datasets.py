"""Small binary data sets for the RBM experiments of chapter {ref}`q1-nce-cd`.

- :func:`bars_and_stripes`: every ``size x size`` image whose rows are all constant (bars) or whose
  columns are all constant (stripes) (MacKay, 2003); small enough for every quantity to be exact.
- :func:`load_binary_digits`: the 8x8 handwritten digits of the UCI repository, as bundled with
  scikit-learn (read from disk, no download), binarised and split into train and held-out parts.
"""

from __future__ import annotations

import numpy as np

from dgmbook.validation import check_int, check_probability, check_random_state

__all__ = ["bars_and_stripes", "load_binary_digits", "train_test_split"]


def bars_and_stripes(size: int = 3) -> np.ndarray:
    """All distinct bars-and-stripes images of side ``size``, flattened row by row.

    A *bar* image has constant rows (each row all 0 or all 1), a *stripe* image constant columns.
    There are ``2**size`` of each, and the all-0 and all-1 images are both, so there are
    ``2**(size + 1) - 2`` distinct images.

    Parameters
    ----------
    size : int, default 3
        Side of the square image, ``size >= 2``.

    Returns
    -------
    ndarray of shape (2**(size+1) - 2, size*size)
        Entries 0.0 or 1.0, one image per row, no duplicates (bars first, then the stripes that
        are not also bars).
    """
    size = check_int("size", size, minimum=2, maximum=6)
    codes = np.arange(2**size)
    bits = ((codes[:, None] >> np.arange(size)) & 1).astype(np.float64)  # (2**size, size)
    bars = np.repeat(bits[:, :, None], size, axis=2).reshape(len(codes), -1)    # rows constant
    stripes = np.repeat(bits[:, None, :], size, axis=1).reshape(len(codes), -1)  # columns constant
    keep = (codes != 0) & (codes != 2**size - 1)
    return np.vstack([bars, stripes[keep]])


def train_test_split(data: np.ndarray, test_fraction: float = 0.2, random_state=None):
    """Split the rows of ``data`` at random into a training and a held-out part.

    Parameters
    ----------
    data : array_like of shape (n, d)
        Numbers or booleans (the rows are only reordered, never converted).
    test_fraction : float in (0, 1), default 0.2
        Fraction of rows held out: ``n_test = round(test_fraction * n)``, at least one, and at
        least one row must be left for training.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    train : ndarray of shape (n - n_test, d)
    test : ndarray of shape (n_test, d)

    Raises
    ------
    ValueError
        If either part would be empty (e.g. ``test_fraction=0.9`` of three rows holds out all three).
    """
    try:
        data = np.asarray(data)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"data must be array-like of numbers ({exc})") from None
    if data.dtype.kind not in "biuf":
        raise TypeError(f"data must contain numbers or booleans, got dtype {data.dtype}")
    if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] < 1:
        raise ValueError(f"data must be 2-D with at least two rows and one column, got shape {data.shape}")
    test_fraction = check_probability("test_fraction", test_fraction, open_high=True)
    rng = check_random_state(random_state)
    n = data.shape[0]
    n_test = max(1, int(round(test_fraction * n)))
    if n_test >= n:
        raise ValueError(f"test_fraction={test_fraction:g} of {n} rows holds out {n_test} and leaves no "
                         f"training rows; choose test_fraction below {(n - 0.5) / n:.3g} or give more rows")
    perm = rng.permutation(data.shape[0])
    return data[perm[n_test:]], data[perm[:n_test]]


def load_binary_digits(threshold: float = 0.5, test_fraction: float = 0.2, random_state=0):
    """The 8x8 UCI handwritten digits (1797 images, 64 pixels), binarised and split.

    Pixels take integer values 0..16 in the source; a pixel is 1 when ``value / 16 > threshold``.

    Parameters
    ----------
    threshold : float in [0, 1), default 0.5
    test_fraction : float in (0, 1), default 0.2
        Fraction of images held out, see :func:`train_test_split`.
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the split.

    Returns
    -------
    train : ndarray of shape (n_train, 64)
    test : ndarray of shape (n_test, 64)
        Entries 0.0 or 1.0.

    Notes
    -----
    Needs scikit-learn, whose wheel ships the data (``sklearn.datasets.load_digits``); nothing is
    downloaded.
    """
    threshold = check_probability("threshold", threshold, open_low=False, open_high=True)
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a book requirement
        raise ImportError("load_binary_digits needs scikit-learn (pip install scikit-learn)") from exc
    pixels = load_digits().data / 16.0
    binary = (pixels > threshold).astype(np.float64)
    return train_test_split(binary, test_fraction=test_fraction, random_state=random_state)
