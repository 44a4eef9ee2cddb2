"""Mutation testing of the mathematics modules: does every real change to the code fail a unit test?

mutmut (3.x) changes one thing at a time in a module (``+`` into ``-``, ``<`` into ``<=``, a constant
into another, an argument dropped, ...) and runs the tests on each such *mutant*; a mutant no test
notices *survives*. Each module is tested against its own unit tests (``tests/test_<module>.py``) and
its bad-input cases (the cases of ``tests/test_bad_input.py`` for that module), not against the book's
builds nor the other modules' tests, so a module's score says what its own tests catch.

Each module runs in its own scratch folder, ``_build/mutation/<module>/``, holding a copy of the
package and the tests and a ``pyproject.toml`` whose ``[tool.mutmut]`` section selects the module and
its tests (mutmut reads its configuration from the folder it runs in, and writes its mutants into a
``mutants/`` folder there). Every run starts afresh (no result of an earlier run is reused).

The table of scores and every survivor (with its diff) are written to
``benchmarks/results/mutation.md`` (``--output``). A survivor judged *equivalent* (no input can tell
it from the original) is listed with its reason in ``tests/mutation_equivalent.md``; the score is
computed both over all mutants and over the non-equivalent ones.

Run from the repository root (by hand, like the benchmarks; not part of the test suite)::

    python3 tasks.py mutate                      # every mathematics module, one after the other
    python3 tasks.py mutate diffusion score      # only these modules
    python3 tasks.py mutate --jobs 2 diffusion   # mutmut's worker processes (default 1)
    python3 tasks.py mutate --report-only        # the report from the last runs, without running
    python3 tasks.py mutate --survivors score    # after adding tests: only the last run's survivors again

The machine may be shared: the script runs mutmut under ``nice`` and with one worker by default.
Each mutant runs only the tests that mutmut saw reach the changed function (a fraction of a second
each), so with ``--jobs 2`` on an idle two-core machine a module takes from under a minute
(datasets) to about three (language_model), all eleven about a quarter of an hour; several times
that on a loaded machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
SCRATCH = ROOT / "_build" / "mutation"
OUTPUT = ROOT / "benchmarks" / "results" / "mutation.md"
EQUIVALENT = ROOT / "tests" / "mutation_equivalent.md"

#: The mathematics modules, in the order they are run (the smallest and most used first).
MODULES = [
    "validation", "datasets", "diffusion", "score", "nce", "score_matching", "inference", "mixtures",
    "rbm", "rbm_experiments", "language_model",
]

#: The heading of the report's hand-written notes, which a new report keeps.
NOTES = "## How these rows were obtained"

#: mutmut's exit codes of a mutant's test run, as it names them (``mutmut results --all true``).
KILLED_EARLIER = "killed (in the earlier run)"
KILLED = {"killed", "timeout", "segfault", "caught by type check", KILLED_EARLIER}


def bad_input_tests(module: str) -> list[str]:
    """The node ids of ``tests/test_bad_input.py`` that concern ``module`` (its cases, its valid calls
    and its coverage check), read from pytest's collection."""
    out = subprocess.run(
        [str(PYTHON), "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/test_bad_input.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    ids = []
    for line in out.splitlines():
        match = re.match(r"(tests/test_bad_input\.py::\w+)\[(.*)\]$", line.strip())
        if match and re.match(rf"{re.escape(module)}(\.|\[|$)", match.group(2)):
            ids.append(line.strip())
    return ids


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "]"


def prepare(module: str) -> Path:
    """The module's scratch folder: the package, the tests and a pyproject.toml with its mutmut section.

    The package and the tests are copied afresh, and mutmut's mutants and results of an earlier run
    are removed."""
    folder = SCRATCH / module
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests", "mutants"):
        shutil.rmtree(folder / name, ignore_errors=True)
        if name == "mutants":
            continue
        shutil.copytree(ROOT / name, folder / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
    write_config(module, folder)
    return folder


def write_config(module: str, folder: Path) -> None:
    """The scratch folder's pyproject.toml: the repository's, with a mutmut section that selects the
    module and its tests (the bad-input cases as they are now: a case added since is selected)."""
    tests = [f"tests/test_{module}.py", *bad_input_tests(module)]
    section = "\n".join([
        "",
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f'only_mutate = ["src/dgmbook/{module}.py"]',
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}",
        # The book's pages and the browser are never run here: the unit tests alone.
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not book and not browser", "-x", "-q"]',
        # The scratch folder is not a checkout of its own: no change detection through git.
        "use_git_change_detection = false",
        # A mutant's test run is stopped after (its tests' seconds + 1) * multiplier * 2 CPU seconds
        # and counted as killed. mutmut's default multiplier, 15, gave a mutant that makes training
        # loop without end 30 to 40 CPU seconds (the unit tests of a function take well under a
        # second); 4 stops it after about 10, still ten times what a run of those tests takes.
        "timeout_multiplier = 4.0",
        "",
    ])
    (folder / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + section)


def run_module(module: str, jobs: int) -> tuple[dict[str, str], float]:
    """Run mutmut on ``module``; the status of each of its mutants, and the wall-clock seconds."""
    folder = prepare(module)
    (folder / "seconds.txt").unlink(missing_ok=True)
    (folder / "killed-earlier.txt").unlink(missing_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = [str(PYTHON), "-m", "mutmut"]
    start = time.monotonic()
    cmd = ["nice", "-n", "15", *mutmut, "run", "--max-children", str(jobs)]
    print(f"== {module}: {' '.join(cmd[3:])} (in {folder.relative_to(ROOT)})", flush=True)
    log = folder / "mutmut.log"
    with log.open("w") as out:  # mutmut's progress line, rewritten in place, is kept out of the terminal
        run = subprocess.run(cmd, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - start
    if run.returncode != 0:
        sys.exit(f"mutmut failed on {module} (exit code {run.returncode}); see {log}")
    (folder / "seconds.txt").write_text(f"{seconds:.1f}\n")
    return collect(module)


def recheck(module: str, jobs: int) -> tuple[dict[str, str], float]:
    """Run the survivors of the module's last run again, against the tests as they are now.

    The mutants that the last run's tests killed stay killed as long as tests are only added; after
    a change of the code or of the tests' checks, run the module afresh instead."""
    folder = SCRATCH / module
    statuses, seconds = collect(module)
    survivors = sorted(m for m, status in statuses.items() if status not in KILLED)
    for tests in (folder / "tests", folder / "mutants" / "tests"):
        shutil.rmtree(tests, ignore_errors=True)
        shutil.copytree(ROOT / "tests", tests,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
    write_config(module, folder)
    # Which tests run on which function is collected again: a new test must reach the survivors.
    (folder / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    print(f"== {module}: {len(survivors)} survivors run again", flush=True)
    start = time.monotonic()
    if survivors:
        cmd = ["nice", "-n", "15", str(PYTHON), "-m", "mutmut", "run", "--max-children", str(jobs),
               *survivors]
        log = folder / "mutmut-recheck.log"
        with log.open("w") as out:
            run = subprocess.run(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                 env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        if run.returncode != 0:
            sys.exit(f"mutmut failed on {module} (exit code {run.returncode}); see {log}")
    (folder / "seconds.txt").write_text(f"{seconds + time.monotonic() - start:.1f}\n")
    return collect(module)


def recheck_from(module: str, jobs: int, report_path: Path) -> tuple[dict[str, str], float]:
    """Like :func:`recheck`, for a module whose scratch folder is gone: the survivors are read from
    an earlier report (``--output`` of a full run, which lists every survivor not yet judged
    equivalent), the judged-equivalent ones are added, and only these are run, against a fresh copy
    of the package and the tests; every other mutant was killed in that earlier run."""
    text = report_path.read_text()
    survivors = set(re.findall(rf"^`(dgmbook\.{re.escape(module)}\.[^`]+)`", text, re.M))
    survivors |= {m for m in equivalent_mutants() if m.startswith(f"dgmbook.{module}.")}
    folder = prepare(module)
    print(f"== {module}: {len(survivors)} survivors of {report_path.name} run again", flush=True)
    start = time.monotonic()
    cmd = ["nice", "-n", "15", str(PYTHON), "-m", "mutmut", "run", "--max-children", str(jobs),
           *sorted(survivors)]
    log = folder / "mutmut.log"
    with log.open("w") as out:
        run = subprocess.run(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if run.returncode != 0:
        sys.exit(f"mutmut failed on {module} (exit code {run.returncode}); see {log}")
    (folder / "seconds.txt").write_text(f"{time.monotonic() - start:.1f}\n")
    (folder / "killed-earlier.txt").write_text(report_path.name + "\n")
    return collect(module)


def collect(module: str, jobs: int = 1) -> tuple[dict[str, str], float]:
    """The status of each mutant of ``module`` in its scratch folder, and the run's seconds."""
    folder = SCRATCH / module
    if not (folder / "seconds.txt").exists():
        sys.exit(f"{module} has no finished run in {folder}; run it first")
    seconds = float((folder / "seconds.txt").read_text())
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = [str(PYTHON), "-m", "mutmut"]
    out = subprocess.run([*mutmut, "results", "--all", "true"], cwd=folder, env=env,
                         capture_output=True, text=True, check=True).stdout
    statuses = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match and match.group(1).startswith(f"dgmbook.{module}."):
            statuses[match.group(1)] = match.group(2).strip()
    if (folder / "killed-earlier.txt").exists():  # --survivors-from: the others were killed before
        statuses = {m: KILLED_EARLIER if s == "not checked" else s for m, s in statuses.items()}
    return statuses, seconds


#: Prints mutmut's diff of each mutant named on the command line, separated by a line SEPARATOR.
_DIFFS = """
import sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
for name in sys.argv[1:]:
    print(get_diff_for_mutant(name, path=find_mutant(name).path).strip())
    print("SEPARATOR")
"""


def diffs(module: str, mutants: list[str]) -> dict[str, str]:
    """mutmut's diff of each mutant against the original code (one process: ``mutmut show`` is slow)."""
    if not mutants:
        return {}
    out = subprocess.run([str(PYTHON), "-c", _DIFFS, *mutants], cwd=SCRATCH / module,
                         capture_output=True, text=True, check=True).stdout
    return dict(zip(mutants, out.split("SEPARATOR\n"), strict=False))


def equivalent_mutants() -> dict[str, str]:
    """The survivors judged equivalent, and why: ``tests/mutation_equivalent.md``'s table rows
    ``| dgmbook.module.x_function__mutmut_N | reason |``."""
    if not EQUIVALENT.exists():
        return {}
    row = r"^\|\s*`?(dgmbook\.[\w.]+__mutmut_\d+)`?\s*\|\s*(.+?)\s*\|\s*$"
    rows = re.findall(row, EQUIVALENT.read_text(), re.M)
    return dict(rows)


def report(results: dict[str, tuple[dict[str, str], float]], path: Path) -> str:
    equivalent = equivalent_mutants()
    lines = [
        "# Mutation scores of the mathematics modules",
        "",
        f"Written by `python3 tasks.py mutate` (benchmarks/mutation.py) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, mutmut, each module against its own unit tests and "
        "its bad-input cases. *Score*: killed / all mutants; *score without equivalent*: killed / "
        "(all mutants less the survivors listed in tests/mutation_equivalent.md).",
        "",
        "| module | mutants | killed | survived | equivalent | no tests | score "
        "| score without equivalent | minutes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    survivors_by_module = {}
    for module, (statuses, seconds) in results.items():
        total = len(statuses)
        killed = sum(status in KILLED for status in statuses.values())
        no_tests = sum(status == "no tests" for status in statuses.values())
        survivors = sorted((m for m, s in statuses.items() if s not in KILLED),
                           key=lambda m: (m.rsplit("__mutmut_", 1)[0], int(m.rsplit("_", 1)[1])))
        eq = [m for m in survivors if m in equivalent]
        score = killed / total if total else float("nan")
        real = total - len(eq)
        score_real = killed / real if real else float("nan")
        lines.append(f"| {module} | {total} | {killed} | {len(survivors) - len(eq) - no_tests} | {len(eq)} "
                     f"| {no_tests} | {100 * score:.1f} % | {100 * score_real:.1f} % "
                     f"| {seconds / 60:.1f} |")
        survivors_by_module[module] = [m for m in survivors if m not in equivalent]
    lines += ["", "## Survivors not judged equivalent", ""]
    for module, survivors in survivors_by_module.items():
        lines.append(f"### {module} ({len(survivors)})")
        lines.append("")
        diff = diffs(module, survivors)
        for mutant in survivors:
            status = results[module][0][mutant]
            lines += [f"`{mutant}` ({status})", "", "```diff", diff[mutant].strip(), "```", ""]
    text = "\n".join(lines) + "\n"
    # The notes on how each row was obtained (written by hand after the runs) are kept.
    if path.exists() and NOTES in path.read_text():
        text += "\n" + NOTES + path.read_text().split(NOTES, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=f"default: all of {', '.join(MODULES)}")
    parser.add_argument("--jobs", type=int, default=1, help="mutmut's worker processes (default 1)")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report from the modules' last runs, without running mutmut")
    parser.add_argument("--survivors", action="store_true",
                        help="run only the survivors of the modules' last runs again, with the tests as "
                             "they are now (after adding tests)")
    parser.add_argument("--survivors-from", type=Path, metavar="REPORT",
                        help="run only the survivors listed in an earlier REPORT (and the equivalent "
                             "ones) again, in a fresh scratch folder")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the report (default %(default)s)")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown modules {unknown}; choose from {MODULES}")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.survivors_from:
        def run(module, jobs):
            return recheck_from(module, jobs, args.survivors_from)
    else:
        run = collect if args.report_only else recheck if args.survivors else run_module
    results = {module: run(module, args.jobs) for module in (args.modules or MODULES)}
    text = report(results, args.output)
    print(text.split("## Survivors")[0])
    print(f"Survivors and their diffs: {args.output}")


if __name__ == "__main__":
    main()
