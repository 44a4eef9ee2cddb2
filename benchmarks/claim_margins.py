"""How far every checked claim of the book sits from its threshold, under several BLAS kernels.

Every check on a page is a claim of :mod:`dgmbook.claims`; with ``DGMBOOK_CLAIMS_LOG`` set, each one
appends its statement, measured value, bound and margin to a JSON-lines file. This script executes
the pages (``dgmbook.build.execute_page``: the notebook in a fresh kernel, no Sphinx) once per
configuration, an OpenBLAS kernel (``OPENBLAS_CORETYPE``, which the scipy-openblas bundled with numpy
and scipy honours) times a number of BLAS threads, in explore mode (a claim that fails is logged and
the page runs on), and tabulates, per claim: the value measured in each configuration, the bound,
the smallest margin (the distance from the bound, in the claim's units), and the spread of the
value across configurations relative to that margin. A claim is flagged when it fails anywhere,
when it is missing from a configuration, or when its value moves by more than a tenth of its margin
(then its tolerance is not stated from the method's error, or the computation is not exact enough
for it).

Run from the repository root (``python3 tasks.py margins`` runs it in ``.venv``)::

    .venv/bin/python benchmarks/claim_margins.py                  # every page, 3 kernels x 1, 2 threads
    .venv/bin/python benchmarks/claim_margins.py --pages book/q1_beyond.md --threads 1

It writes ``benchmarks/results/claim_margins.md`` (the flagged and the ten worst claims first, then
all of them, and the configurations with the OpenBLAS kernel each really used) and
``claim_margins.csv`` (one row per claim), keeps the raw logs in ``_build/claim_margins/``, and exits
with status 1 if a page did not run, a claim failed or a claim is flagged. The whole book is executed
once per configuration: the default six configurations take about six times a book build, so
prefix it with ``nice -n 10`` on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dgmbook.build import ROOT, chapter_sources, execute_page

KERNELS = ("Prescott", "Haswell", "SkylakeX")
THREADS = (1, 2)
#: A claim whose value moves across configurations by more than this fraction of its margin is flagged.
SPREAD_LIMIT = 0.1
OUTPUT = ROOT / "benchmarks" / "results"
LOGS = ROOT / "_build" / "claim_margins"


@dataclass(frozen=True)
class Config:
    kernel: str
    threads: int

    @property
    def name(self) -> str:
        return f"{self.kernel}/{self.threads}t"

    @property
    def env(self) -> dict[str, str]:
        n = str(self.threads)
        return {"OPENBLAS_CORETYPE": self.kernel, "OPENBLAS_NUM_THREADS": n, "OMP_NUM_THREADS": n,
                "MKL_NUM_THREADS": n}


@dataclass
class Claim:
    page: str
    statement: str
    occurrence: int
    kind: str = ""
    unit: str = ""
    bound: float | None = None
    measured: dict[str, float] = field(default_factory=dict)
    holds: dict[str, bool] = field(default_factory=dict)
    distance: dict[str, float] = field(default_factory=dict)

    @property
    def min_distance(self) -> float | None:
        """The smallest margin over the configurations, in the claim's units (< 0: it failed)."""
        values = [d for d in self.distance.values() if not math.isnan(d)]
        return min(values) if values else None

    @property
    def spread(self) -> float | None:
        values = [v for v in self.measured.values() if not math.isnan(v)]
        return max(values) - min(values) if values else None

    @property
    def spread_over_margin(self) -> float | None:
        """How far the value moves across configurations, as a fraction of the smallest margin."""
        if self.kind == "exact" or self.spread is None:
            return None
        margin = self.min_distance
        if margin is None or margin <= 0:
            return math.inf
        return self.spread / margin

    def problems(self, configs: list[str]) -> list[str]:
        found = []
        missing = [c for c in configs if c not in self.holds]
        if missing:
            found.append(f"missing under {', '.join(missing)}")
        failed = [c for c, ok in self.holds.items() if not ok]
        if failed:
            found.append(f"fails under {', '.join(failed)}")
        ratio = self.spread_over_margin
        if ratio is not None and ratio > SPREAD_LIMIT and not failed:
            found.append(f"moves by {ratio:.2g} of its margin")
        return found


def blas_in_use(config: Config) -> str:
    """The OpenBLAS kernels and thread counts numpy and scipy load under ``config`` (threadpoolctl)."""
    code = ("import json, numpy, scipy.linalg, threadpoolctl\n"
            "print(json.dumps([(i.get('internal_api'), i.get('architecture'), i.get('num_threads'))"
            " for i in threadpoolctl.threadpool_info() if i.get('user_api') == 'blas']))")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, **config.env},
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return f"unknown ({proc.stderr.strip()[-200:]})"
    found = sorted({f"{api} {arch} {n}t" for api, arch, n in json.loads(proc.stdout)})
    return ", ".join(found) or "no BLAS found by threadpoolctl"


def run_all(pages: list[Path], configs: list[Config], logs: Path, jobs: int = 1) -> dict:
    """Execute every page under every configuration, ``jobs`` kernels at a time; return the runs'
    outcomes and log paths. (Each kernel gets its configuration through its own environment, so
    runs in parallel do not interfere; a BLAS's result does not depend on the machine's load.)"""
    logs.mkdir(parents=True, exist_ok=True)

    def one(config: Config, page: Path):
        log = logs / f"{page.stem}.{config.kernel}.{config.threads}.jsonl"
        log.unlink(missing_ok=True)
        env = {**config.env, "DGMBOOK_CLAIMS": "explore", "DGMBOOK_CLAIMS_LOG": str(log)}
        run = execute_page(page, env)
        status = "ok" if run.ok else (run.error or "stderr: " + " | ".join(run.stderr))[:300]
        print(f"{config.name:>13}  {page.name:<32} {run.seconds:7.1f} s  {status.splitlines()[0]}",
              flush=True)
        return (page.name, config.name), (run, log)

    tasks = [(config, page) for config in configs for page in pages]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(lambda task: one(*task), tasks))


def collect(outcomes: dict, pages: list[Path], configs: list[Config]) -> list[Claim]:
    claims: dict[tuple[str, str, int], Claim] = {}
    order: list[tuple[str, str, int]] = []
    for page in pages:
        for config in configs:
            _, log = outcomes[(page.name, config.name)]
            seen: dict[str, int] = defaultdict(int)
            lines = log.read_text(encoding="utf8").splitlines() if log.exists() else []
            for line in lines:
                entry = json.loads(line)
                statement = entry["statement"]
                key = (page.name, statement, seen[statement])
                seen[statement] += 1
                if key not in claims:
                    claims[key] = Claim(page.name, statement, key[2], entry["kind"], entry.get("unit", ""))
                    order.append(key)
                claim = claims[key]
                claim.holds[config.name] = bool(entry["holds"])
                if "measured" in entry:
                    bound = float(entry["bound"])
                    claim.bound = bound
                    claim.measured[config.name] = float(entry["measured"])
                    # The log's margin is relative to the bound's size; back to the claim's units.
                    scale = abs(bound) if bound != 0 else 1.0
                    claim.distance[config.name] = float(entry["margin"]) * scale
    return [claims[key] for key in order]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if math.isfinite(value) else str(value)


def write_tables(claims: list[Claim], outcomes: dict, configs: list[Config], blas: dict[str, str],
                 output: Path, seconds: float) -> tuple[list[Claim], list[Claim]]:
    names = [c.name for c in configs]
    output.mkdir(parents=True, exist_ok=True)
    with open(output / "claim_margins.csv", "w", newline="", encoding="utf8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["page", "statement", "occurrence", "kind", "unit", "bound",
                         *[f"measured {n}" for n in names], "min margin", "spread",
                         "spread / margin", "problems"])
        for claim in claims:
            writer.writerow([claim.page, claim.statement, claim.occurrence, claim.kind, claim.unit,
                             _num(claim.bound),
                             *[_num(claim.measured.get(n)) if claim.kind != "exact"
                               else str(claim.holds.get(n, "")) for n in names],
                             _num(claim.min_distance), _num(claim.spread),
                             _num(claim.spread_over_margin), "; ".join(claim.problems(names))])
    flagged = [c for c in claims if c.problems(names)]
    worst = sorted((c for c in claims if c.spread_over_margin is not None),
                   key=lambda c: c.spread_over_margin, reverse=True)[:10]

    def row(claim: Claim) -> str:
        values = [(_num(claim.measured.get(n)) if claim.kind != "exact"
                   else {True: "holds", False: "FAILS"}.get(claim.holds.get(n), "—")) for n in names]
        statement = claim.statement.replace("|", "\\|")
        return (f"| {claim.page} | {statement} | {_num(claim.bound)} {claim.unit} | "
                + " | ".join(values) + f" | {_num(claim.min_distance)} | {_num(claim.spread_over_margin)} | "
                + "; ".join(claim.problems(names)) + " |")

    header = ("| page | claim | bound | " + " | ".join(names) + " | min margin | spread / margin | flag |\n"
              "|---|---|---|" + "---|" * len(names) + "---|---|---|")
    lines = ["# Margins of the book's checked claims across BLAS kernels and thread counts", "",
             "Produced by `python3 tasks.py margins` (`benchmarks/claim_margins.py`): every page executed "
             "once per configuration in explore mode, every claim logged (`DGMBOOK_CLAIMS_LOG`). "
             "*min margin*: the smallest distance of the measured value from its bound, in the claim's "
             "units (for `claim_close`, 1 minus the largest error in tolerances); *spread / margin*: "
             "how far the value moves across configurations, as a fraction of that margin; a claim "
             f"is flagged when it fails, is missing somewhere, or moves by more than {SPREAD_LIMIT:g} "
             "of its margin.", "",
             f"{len(claims)} claims on {len({c.page for c in claims})} pages; {len(flagged)} flagged; "
             f"{seconds / 60:.1f} min in all.", "", "## Configurations", "",
             "| configuration | OpenBLAS in use (threadpoolctl) | pages that did not run |", "|---|---|---|"]
    for config in configs:
        broken = [page for (page, name), (run, _) in outcomes.items() if name == config.name and not run.ok]
        lines.append(f"| {config.name} | {blas[config.name]} | {', '.join(broken) or 'none'} |")
    for (page, name), (run, _) in outcomes.items():
        if not run.ok:
            message = (run.error or "stderr: " + " ".join(run.stderr)).replace("\n", " ")[:600]
            lines += ["", f"- **{page} under {name}**: {message}"]
    lines += ["", "## Flagged claims", ""]
    lines += [header, *map(row, flagged)] if flagged else ["None."]
    lines += ["", "## The ten claims that move most relative to their margin", "", header, *map(row, worst),
              "", "## Every claim", "", header, *map(row, claims), ""]
    (output / "claim_margins.md").write_text("\n".join(lines), encoding="utf8")
    return flagged, worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", nargs="+", type=Path, default=None,
                        help="chapter sources to execute (default: every page of _toc.yml)")
    parser.add_argument("--kernels", nargs="+", default=list(KERNELS),
                        help=f"OpenBLAS kernels (OPENBLAS_CORETYPE; default {' '.join(KERNELS)})")
    parser.add_argument("--threads", nargs="+", type=int, default=list(THREADS),
                        help="BLAS thread counts (default 1 2)")
    parser.add_argument("--configs", nargs="+", default=None, metavar="KERNEL/THREADS",
                        help="explicit configurations instead of every kernel x thread count, "
                             "e.g. Prescott/1 Haswell/1 SkylakeX/2")
    parser.add_argument("--jobs", type=int, default=1,
                        help="pages executed at once (default 1; the machine's cores at most)")
    parser.add_argument("--output", type=Path, default=OUTPUT,
                        help="folder for claim_margins.md and claim_margins.csv")
    args = parser.parse_args(argv)
    chapters = {p.resolve(): p for p in chapter_sources()}
    pages = list(chapters.values())
    if args.pages is not None:
        pages = []
        for page in args.pages:
            if page.resolve() not in chapters:
                parser.error(f"{page} is not a chapter of _toc.yml")
            pages.append(chapters[page.resolve()])
    if any(n < 1 for n in args.threads):
        parser.error("--threads must be positive integers")
    if args.jobs < 1:
        parser.error("--jobs must be a positive integer")
    configs = [Config(kernel, n) for kernel in args.kernels for n in args.threads]
    if args.configs is not None:
        configs = []
        for text in args.configs:
            kernel, _, threads = text.partition("/")
            if not kernel or not threads.isdigit() or int(threads) < 1:
                parser.error(f"--configs takes KERNEL/THREADS such as Haswell/2, got {text!r}")
            configs.append(Config(kernel, int(threads)))
    blas = {config.name: blas_in_use(config) for config in configs}
    for config in configs:
        print(f"{config.name}: {blas[config.name]}", flush=True)
    start = time.perf_counter()
    outcomes = run_all(pages, configs, LOGS, jobs=args.jobs)
    seconds = time.perf_counter() - start
    claims = collect(outcomes, pages, configs)
    flagged, worst = write_tables(claims, outcomes, configs, blas, args.output, seconds)
    names = [c.name for c in configs]
    print(f"\n{len(claims)} claims, {len(flagged)} flagged; worst spread / margin:")
    for claim in worst:
        print(f"  {_num(claim.spread_over_margin):>8}  {claim.page}: {claim.statement[:90]}")
    print(f"\nTables: {args.output / 'claim_margins.md'} and {args.output / 'claim_margins.csv'}")
    broken = any(not run.ok for run, _ in outcomes.values())
    return 1 if broken or flagged or any(c.problems(names) for c in claims) else 0


if __name__ == "__main__":
    sys.exit(main())
