"""The book runs on a reader's machine, not only on the one it was written on.

A page's numbers depend, in their last digits, on the BLAS kernel that OpenBLAS picks for the CPU
(Haswell, SkylakeX, Zen, or the generic x86-64 kernel of an old or virtual CPU) and on its number of
threads. A check whose tolerance was read off one machine's run fails on another. So besides the
whole-book build (under this machine's own kernel, tests/test_book.py), every page is executed once
more under OpenBLAS's generic kernel, ``OPENBLAS_CORETYPE=Prescott``, with one BLAS thread, with
strict claims: any error, failed claim or output on stderr fails. ``benchmarks/claim_margins.py``
(``python3 tasks.py margins``) measures how far each claim sits from its threshold across kernels.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from dgmbook.build import ROOT, chapter_sources, execute_page

#: The second kernel every page runs under: OpenBLAS's generic x86-64 kernel (threadpoolctl may
#: report it as "Katmai", the name OpenBLAS gives the same generic code path).
PORTABLE_KERNEL = {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
GENERIC_NAMES = {"prescott", "katmai"}

x86_only = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                              reason="OPENBLAS_CORETYPE=Prescott names an x86-64 kernel")


def _blas_in_use(env: dict[str, str]) -> list[dict]:
    code = ("import json, numpy, scipy.linalg, threadpoolctl\n"
            "print(json.dumps([i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


@x86_only
def test_openblas_honours_the_kernel_the_portability_run_asks_for():
    """Otherwise the run below would silently test this machine's own kernel a second time."""
    libraries = [lib for lib in _blas_in_use(PORTABLE_KERNEL) if lib["internal_api"] == "openblas"]
    assert libraries, "numpy and scipy load no OpenBLAS here: the portability run tests nothing"
    for lib in libraries:
        assert lib["architecture"].lower() in GENERIC_NAMES, lib
        assert lib["num_threads"] == 1, lib


def _tiny_page(tmp_path: Path, code: str) -> Path:
    header = chapter_sources()[-1].read_text(encoding="utf8").split("\n---\n", 1)[0] + "\n---\n"
    page = tmp_path / "tiny.md"
    page.write_text(header + f"\n```{{code-cell}} ipython3\n{code}\n```\n", encoding="utf8")
    return page


def test_execute_page_passes_the_environment_to_the_kernel_and_runs_in_the_page_folder(tmp_path):
    page = _tiny_page(tmp_path, "import os\nfrom pathlib import Path\n"
                                "Path('seen.txt').write_text(os.environ['DGMBOOK_PROBE'])")
    run = execute_page(page, {"DGMBOOK_PROBE": "Prescott"})
    assert run.ok and run.error is None, run
    assert (tmp_path / "seen.txt").read_text() == "Prescott"


def test_execute_page_reports_a_failed_claim_and_stderr(tmp_path):
    page = _tiny_page(tmp_path, "from dgmbook.claims import claim_below\n"
                                "claim_below('the residual is small', 2.0, 1.0)")
    run = execute_page(page, {"DGMBOOK_CLAIMS": "strict"})
    assert not run.ok and "ClaimFailed" in run.error and "the residual is small" in run.error
    page = _tiny_page(tmp_path, "import sys\nprint('careful', file=sys.stderr)")
    run = execute_page(page)
    assert run.error is None and not run.ok and run.stderr == ["careful\n"]


def _margins_module():
    spec = importlib.util.spec_from_file_location("claim_margins", ROOT / "benchmarks" / "claim_margins.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_margin_table_flags_a_claim_that_moves_by_more_than_a_tenth_of_its_margin(tmp_path):
    margins = _margins_module()
    configs = [margins.Config("Prescott", 1), margins.Config("Haswell", 1)]
    page = Path("book/page.md")
    logs = {}

    def entry(statement, measured, bound):
        return {"kind": "below", "statement": statement, "holds": measured < bound, "detail": "",
                "measured": measured, "bound": bound, "margin": (bound - measured) / abs(bound), "unit": ""}

    values = {"Prescott": (1e-15, 0.5, 0.90), "Haswell": (3e-15, 0.5, 0.95)}
    for config in configs:
        log = tmp_path / f"{config.kernel}.jsonl"
        residual, steady, tight = values[config.kernel]
        lines = [entry("residual", residual, 1e-12), entry("steady", steady, 1.0),
                 entry("tight", tight, 1.0), {"kind": "exact", "statement": "exact", "holds": True}]
        log.write_text("".join(json.dumps(line) + "\n" for line in lines))
        logs[(page.name, config.name)] = (_FakeRun(), log)
    claims = margins.collect(logs, [page], configs)
    names = [c.name for c in configs]
    by_name = {c.statement: c for c in claims}
    assert set(by_name) == {"residual", "steady", "tight", "exact"}
    assert by_name["residual"].problems(names) == []           # moves by 2e-15 of a 1e-12 margin
    assert by_name["steady"].spread_over_margin == 0
    assert by_name["tight"].spread_over_margin == pytest.approx(0.05 / 0.05)
    assert by_name["tight"].problems(names) == ["moves by 1 of its margin"]
    assert by_name["exact"].spread_over_margin is None and by_name["exact"].problems(names) == []
    blas = {name: "test" for name in names}
    flagged, worst = margins.write_tables(claims, logs, configs, blas, tmp_path / "out", 1.0)
    assert [c.statement for c in flagged] == ["tight"] and worst[0].statement == "tight"
    table = (tmp_path / "out" / "claim_margins.md").read_text()
    assert "moves by 1 of its margin" in table
    assert (tmp_path / "out" / "claim_margins.csv").read_text().count("\n") == 5


class _FakeRun:
    ok = True
    error = None
    stderr: list[str] = []


@pytest.mark.book
@x86_only
@pytest.mark.parametrize("source", chapter_sources(), ids=lambda path: path.name)
def test_page_runs_under_the_generic_blas_kernel(source):
    run = execute_page(source, {**PORTABLE_KERNEL, "DGMBOOK_CLAIMS": "strict"})
    assert run.error is None, f"{source.name} under OPENBLAS_CORETYPE=Prescott:\n{run.error}"
    assert not run.stderr, f"{source.name} under OPENBLAS_CORETYPE=Prescott wrote to stderr:\n{run.stderr}"
