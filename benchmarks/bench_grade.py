#!/usr/bin/env python3
"""Benchmark: grading a class of 100 "Your turn" notebooks, with and without the sandbox.

The class: 25 notebooks per question, made from the pages' notebooks (the book's solutions filled
in); every fifth one has a function replaced by a wrong one and every seventh one a cell that fails,
so that the grader runs its diagnoses and skips cells as it does on real work. The class is graded
by the instructor's command (``python -m dgmbook.grade --json``), serially and with ``--jobs 2``,
each both in the bubblewrap sandbox and with ``--unsafe`` (no sandbox, the same judge). The four
configurations run side by side, in rotating order, ``--repeats`` times, so that a burst of load
from other processes hits all of them alike; the JSON holds each one's median wall-clock time,
notebooks per minute, and the sandbox's overhead ``(sandboxed - unsafe) / unsafe`` from the medians
and as the median of the paired ratios, with the machine's load average before and after. The marks
of every run must agree (the inputs share a seed).

Run by hand (a few minutes on a 2-core machine); it writes ``book/data/bench_grade.json``::

    .venv/bin/python benchmarks/bench_grade.py              # 100 notebooks, 3 repeats
    .venv/bin/python benchmarks/bench_grade.py --quick      # 12 notebooks, a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "book" / "data" / "bench_grade.json"
WRONG = {  # one wrong function per chapter: a cell appended after the solutions
    "q1": "def nce_classifier(G, nu):\n    return 1 / (1 + np.exp(-G))\n",
    "q2": "def fisher_information_mc(scores):\n    return np.cov(scores, rowvar=False)\n",
    "q3": "def implicit_sm_loss(score, divergence):\n    return float(np.mean(np.sum(score**2, axis=1)))\n",
    "q4": ("def q_sample(x_0, t, alphas, eps):\n"
           "    return np.prod(alphas[:t]) * x_0 + (1 - np.prod(alphas[:t])) * eps\n"),
}


def make_class(folder: Path, size: int) -> list[Path]:
    paths = []
    for index in range(size):
        chapter = f"q{index % 4 + 1}"
        notebook = nbformat.read(ROOT / "book" / f"{chapter}_your_turn.ipynb", as_version=4)
        if index % 5 == 4:
            notebook.cells.append(nbformat.v4.new_code_cell(WRONG[chapter]))
        if index % 7 == 6:
            notebook.cells.insert(1, nbformat.v4.new_code_cell("raise RuntimeError('a failing cell')"))
        path = folder / f"student{index:03d}_{chapter}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def grade(paths: list[Path], *, jobs: int, unsafe: bool, seed: int) -> tuple[float, dict]:
    command = [sys.executable, "-m", "dgmbook.grade", "--json", "--jobs", str(jobs), "--seed", str(seed),
               *(["--unsafe"] if unsafe else []), *map(str, paths)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    marks = {Path(e["notebook"]).name: (e["passed"], e["total"]) for e in json.loads(proc.stdout)}
    return elapsed, marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="12 notebooks, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    size, repeats = (12, 1) if args.quick else (100, args.repeats)
    keys = [f"{mode}_jobs{jobs}" for jobs in (1, 2) for mode in ("sandbox", "unsafe")]
    times: dict[str, list[float]] = {key: [] for key in keys}
    marks = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_class(Path(tmp), size)
        for repeat in range(repeats):
            for key in keys[repeat % len(keys):] + keys[:repeat % len(keys)]:
                mode, jobs = key.split("_jobs")
                elapsed, marks[key, repeat] = grade(paths, jobs=int(jobs), unsafe=mode == "unsafe",
                                                    seed=args.seed)
                times[key].append(elapsed)
                print(f"{key:16s} {elapsed:7.1f} s  {60 * size / elapsed:6.1f} notebooks/min", flush=True)
    reference = marks["sandbox_jobs1", 0]
    assert all(m == reference for m in marks.values()), "the runs disagree on the marks"
    full = sum(1 for passed, total in reference.values() if passed == total)
    runs = {key: {"seconds_median": round(statistics.median(t), 2), "seconds": [round(x, 2) for x in t],
                  "notebooks_per_minute": round(60 * size / statistics.median(t), 1)}
            for key, t in times.items()}
    overhead = {}
    for jobs in (1, 2):
        sandboxed, unsafe = times[f"sandbox_jobs{jobs}"], times[f"unsafe_jobs{jobs}"]
        overhead[f"jobs{jobs}"] = {
            "of_medians": round(statistics.median(sandboxed) / statistics.median(unsafe) - 1, 3),
            "median_paired": round(statistics.median(
                s / u - 1 for s, u in zip(sandboxed, unsafe, strict=True)), 3),
        }
    result = {
        "notebooks": size,
        "repeats": repeats,
        "full_marks": full,
        "runs": runs,
        "sandbox_overhead": overhead,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
    }
    print(json.dumps(result, indent=2))
    if not args.quick:
        OUTPUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf8")
        print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
