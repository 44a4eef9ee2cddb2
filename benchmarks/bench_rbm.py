"""Benchmark of the book's RBM training loop (``dgmbook.rbm.train_cd``), for chapter q1-nce-cd.

Two measurements, written to ``book/data/bench_rbm.json`` (the chapter reads and glues them; it never
runs this script):

1. **Against scikit-learn.** One epoch of PCD-1 on the binarised 8x8 digits (all 1797 images, 64
   visible units), 16 hidden units, batch 10, learning rate 0.1: the book's ``train_cd`` against
   ``sklearn.neural_network.BernoulliRBM.fit`` (the same algorithm). Each repetition trains
   ``EPOCHS_PER_REP`` epochs with each implementation, in alternating order, and records seconds per
   epoch; the result is the ratio of the medians (scikit-learn / book).
2. **Against the machine.** One epoch of CD-1 at a large size (784 visible, 256 hidden, batch 256,
   ``N_LARGE`` random binary vectors). An update does five matrix products of ``2 * B * D * H``
   flops each (``v W``, ``h W^T``, ``v' W``, ``v^T p``, ``v'^T p'``); the epoch's flop rate is compared
   with the machine's float64 matrix-multiply throughput, measured in the same run, alternately, as the
   median rate of a ``GEMM_SIZE``-square product.

Run from the repository root::

    .venv/bin/python benchmarks/bench_rbm.py            # full run, about a minute
    .venv/bin/python benchmarks/bench_rbm.py --quick    # a smoke test, not written to the book
    .venv/bin/python benchmarks/bench_rbm.py --blas-threads 1   # pin BLAS to one thread

The machine may be shared: the load average before and after the run, and the number of BLAS
threads, are recorded with the results. On an oversubscribed machine multi-threaded BLAS loses far
more on the epoch's medium-sized products than on the large reference product, so the fraction is
only meaningful on a quiet machine (or with ``--blas-threads 1``, against the one-thread GEMM rate).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from dgmbook.datasets import load_binary_digits
from dgmbook.rbm import init_rbm, train_cd

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "book" / "data" / "bench_rbm.json"

# 1. digits against scikit-learn
N_HIDDEN = 16
BATCH = 10
LEARNING_RATE = 0.1
EPOCHS_PER_REP = 10
REPS = 15
# 2. large size against the machine's GEMM throughput
N_LARGE, D_LARGE, H_LARGE, BATCH_LARGE = 8192, 784, 256, 256
REPS_LARGE = 7
GEMM_SIZE = 1024


def blas_threads() -> int | None:
    """Threads the BLAS will use (threadpoolctl, installed with scikit-learn), if it can tell."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return counts[0] if counts else None


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_name() -> str:
    """The BLAS numpy is linked against, as numpy reports it."""
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return "unknown"


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_digits(reps: int, epochs: int) -> dict:
    """Seconds per PCD-1 epoch on the digits: book vs scikit-learn, measured alternately."""
    from sklearn.neural_network import BernoulliRBM

    data = np.vstack(load_binary_digits())
    ours, theirs = [], []

    def run_ours(rep):
        train_cd(data, N_HIDDEN, persistent=True, k=1, learning_rate=LEARNING_RATE, epochs=epochs,
                 batch_size=BATCH, random_state=rep)

    def run_theirs(rep):
        BernoulliRBM(n_components=N_HIDDEN, batch_size=BATCH, learning_rate=LEARNING_RATE,
                     n_iter=epochs, random_state=rep).fit(data)

    run_ours(0), run_theirs(0)  # warm up
    for rep in range(reps):
        pair = [(ours, run_ours), (theirs, run_theirs)]
        for store, fn in (pair if rep % 2 == 0 else pair[::-1]):
            store.append(seconds(lambda fn=fn, rep=rep: fn(rep)) / epochs)
    ours_med, theirs_med = float(np.median(ours)), float(np.median(theirs))
    return {
        "n_samples": int(data.shape[0]), "n_visible": int(data.shape[1]), "n_hidden": N_HIDDEN,
        "batch_size": BATCH, "learning_rate": LEARNING_RATE, "epochs_per_rep": epochs,
        "reps": reps, "algorithm": "PCD-1 (persistent chains, one Gibbs step), float64",
        "book_ms_per_epoch": [1e3 * t for t in ours], "sklearn_ms_per_epoch": [1e3 * t for t in theirs],
        "book_ms_per_epoch_median": 1e3 * ours_med, "sklearn_ms_per_epoch_median": 1e3 * theirs_med,
        "speedup": theirs_med / ours_med,
    }


def bench_large(reps: int, n: int) -> dict:
    """CD-1 epoch at 784x256, batch 256: flop rate as a fraction of the measured GEMM rate."""
    rng = np.random.default_rng(0)
    data = (rng.random((n, D_LARGE)) < 0.2).astype(np.float64)
    start = init_rbm(D_LARGE, H_LARGE, random_state=1)
    a = rng.standard_normal((GEMM_SIZE, GEMM_SIZE))
    b = rng.standard_normal((GEMM_SIZE, GEMM_SIZE))
    epoch_s, gemm_rate = [], []

    def one_epoch(rep):
        train_cd(data, rbm=start, k=1, learning_rate=0.01, epochs=1, batch_size=BATCH_LARGE,
                 random_state=rep)

    def one_gemm():
        best = min(seconds(lambda: a @ b) for _ in range(3))
        return 2.0 * GEMM_SIZE**3 / best

    one_epoch(0), one_gemm()  # warm up
    for rep in range(reps):
        if rep % 2 == 0:
            epoch_s.append(seconds(lambda rep=rep: one_epoch(rep)))
            gemm_rate.append(one_gemm())
        else:
            gemm_rate.append(one_gemm())
            epoch_s.append(seconds(lambda rep=rep: one_epoch(rep)))
    flops = 5 * 2.0 * n * D_LARGE * H_LARGE
    epoch_med, gemm_med = float(np.median(epoch_s)), float(np.median(gemm_rate))
    return {
        "n_samples": n, "n_visible": D_LARGE, "n_hidden": H_LARGE, "batch_size": BATCH_LARGE,
        "reps": reps, "algorithm": "CD-1, float64", "flops_per_epoch": flops,
        "epoch_s": epoch_s, "epoch_s_median": epoch_med,
        "epoch_gflops": flops / epoch_med / 1e9,
        "gemm_size": GEMM_SIZE, "gemm_gflops": [r / 1e9 for r in gemm_rate],
        "gemm_gflops_median": gemm_med / 1e9,
        "fraction_of_gemm": flops / epoch_med / gemm_med,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions; print, do not write")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit the BLAS to this many threads (default: the library's choice)")
    args = parser.parse_args()
    from contextlib import nullcontext

    import sklearn

    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=args.blas_threads, user_api="blas")
    else:
        limit = nullcontext()
    load_before = os.getloadavg()
    reps_large, n_large = (2, 1024) if args.quick else (REPS_LARGE, N_LARGE)
    with limit:
        threads = blas_threads()
        digits = bench_digits(3 if args.quick else REPS, 2 if args.quick else EPOCHS_PER_REP)
        large = bench_large(reps_large, n_large)
    large["blas_threads"] = threads
    # The same comparison with the BLAS pinned to one thread: on a shared machine this is the
    # figure least disturbed by other processes (epoch and reference both single-threaded).
    large_one = None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        with threadpool_limits(limits=1, user_api="blas"):
            large_one = bench_large(reps_large, n_large)
            large_one["blas_threads"] = blas_threads()

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpu": cpu_model(), "logical_cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "scikit_learn": sklearn.__version__, "blas": blas_name(),
            "blas_threads": threads,
            "load_average_1min_before": load_before[0], "load_average_1min_after": os.getloadavg()[0],
        },
        "digits_vs_sklearn": digits,
        "large_vs_gemm": large,
        "large_vs_gemm_one_thread": large_one,
    }
    # The machine's matrix-multiply throughput is the best rate any thread setting reached in this
    # run; likewise for the epoch.
    runs = [run for run in (large, large_one) if run is not None]
    best_epoch = max(run["epoch_gflops"] for run in runs)
    best_gemm = max(run["gemm_gflops_median"] for run in runs)
    result["large_best"] = {"epoch_gflops": best_epoch, "gemm_gflops": best_gemm,
                            "fraction_of_gemm": best_epoch / best_gemm}
    print(f"digits PCD-1 epoch: book {digits['book_ms_per_epoch_median']:.2f} ms, scikit-learn "
          f"{digits['sklearn_ms_per_epoch_median']:.2f} ms, speed-up {digits['speedup']:.2f}x")
    print(f"784x256 CD-1 epoch: {large['epoch_s_median']:.3f} s = {large['epoch_gflops']:.1f} GFLOP/s, "
          f"{100 * large['fraction_of_gemm']:.0f}% of GEMM ({large['gemm_gflops_median']:.1f} GFLOP/s)")
    if large_one is not None:
        print(f"  one BLAS thread: {large_one['epoch_gflops']:.1f} GFLOP/s, "
              f"{100 * large_one['fraction_of_gemm']:.0f}% of GEMM "
              f"({large_one['gemm_gflops_median']:.1f} GFLOP/s)")
    print(f"best epoch rate / best GEMM rate: {100 * result['large_best']['fraction_of_gemm']:.0f}%")
    if not args.quick:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
