"""Every command that README.md and CONTRIBUTING.md show works as written.

The commands are extracted from the documents themselves: every line of a shell code block
(```bash, ```sh, ```console) and every inline code span that starts like a command
(``python3 tasks.py ...``, ``.venv/bin/...``, ``npm ...``). Each must match one of the checks below,
which runs it, or the exact code path behind it, without side effects on the working tree:

- ``python3 tasks.py NAME ARGS``: NAME is a command of ``tasks.COMMANDS``; the command is called with
  ``ensure_venv`` and ``run`` intercepted, and every program it would run is checked: pytest
  collects the tests its arguments select, a ``python -m`` module answers ``--help`` for its
  subcommand, ``chapter`` names a chapter of ``_toc.yml``, ``sync`` runs as ``sync --check``;
- ``.venv/bin/python -m pytest tests/...``: runs, for real;
- ``.venv/bin/jupytext --execute ...``: runs, for real, in a temporary copy of ``book/`` (the
  paired notebook is not overwritten); the chapter is slow, so that test carries the ``book``
  marker, and a one-cell notebook takes the same path (jupytext -> nbconvert -> ipykernel) in the
  fast tests;
- a script of ``benchmarks/`` (``tasks.py margins``) answers ``--help``; ``uv pip compile`` (``tasks.py
  lock``) answers ``--help`` and its input files exist;
- ``.venv/bin/ruff ...`` runs; ``.venv/bin/pip install X`` and ``.venv/bin/jupyter lab FILE`` are
  checked without installing or starting anything; ``npm pack mathjax@V`` names the MathJax version
  the page tests use.

A documented command that matches no check fails, so a command added to the README later is
checked too (add its check here).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "CONTRIBUTING.md")
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", "zsh"}
COMMAND_START = re.compile(
    r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:python3? tasks\.py|\.venv/bin/|npm |pip |pytest)")
BIN = Path(sys.executable).parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Documented:
    """A command as a document shows it."""

    document: str
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"


def documented_commands() -> list[Documented]:
    """Every command in the shell code blocks and command-like inline code of the documents."""
    found = []
    for name in DOCUMENTS:
        fence = None  # the language of the open code block, or None outside code blocks
        for number, line in enumerate((ROOT / name).read_text(encoding="utf8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("```"):
                fence = None if fence is not None else stripped[3:].strip().lower()
                continue
            if fence is not None:
                if fence in SHELL_LANGUAGES:
                    command = _strip_comment(stripped.removeprefix("$ "))
                    if command:
                        found.append(Documented(name, number, command))
                continue
            without_double = re.sub(r"``.*?``", "", line)
            for span in re.findall(r"`([^`]+)`", without_double):
                if COMMAND_START.match(span.strip()):
                    found.append(Documented(name, number, span.strip()))
    return found


def _strip_comment(line: str) -> str:
    """The command without its trailing ``# comment`` (a ``#`` inside quotes is kept)."""
    in_single = in_double = False
    for index, char in enumerate(line):
        if char == "'" and not in_double:
            in_single = not in_single
        elif char == '"' and not in_single:
            in_double = not in_double
        elif char == "#" and not in_single and not in_double and (index == 0 or line[index - 1].isspace()):
            return line[:index].strip()
    return line.strip()


COMMANDS = documented_commands()


def _run(argv: list[str], *, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _explain(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def _load_tasks():
    spec = importlib.util.spec_from_file_location("tasks_under_test", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _split(command: str) -> tuple[dict[str, str], list[str]]:
    """Leading ``VAR=value`` assignments and the words of the command."""
    words = shlex.split(command)
    env = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    return env, words


# ----- the checks, one per kind of command -----------------------------------------------------------

def check_tasks_command(words: list[str]) -> None:
    """``python3 tasks.py NAME ARGS``: a real command; every program it would run is checked."""
    tasks = _load_tasks()
    assert len(words) >= 3, "tasks.py needs a command name"
    name, args = words[2], words[3:]
    assert name in tasks.COMMANDS, f"tasks.py has no command {name!r}; it has {sorted(tasks.COMMANDS)}"
    calls: list[list[str]] = []
    tasks.ensure_venv = lambda requirements: _check_requirements(requirements)
    tasks.run = lambda cmd, **kwargs: calls.append([str(word) for word in cmd])
    try:
        tasks.COMMANDS[name](args)
    except SystemExit as exit_:
        pytest.fail(f"tasks.py {name} {' '.join(args)} exits before running anything: {exit_}")
    assert calls, f"tasks.py {name} runs no program"
    for call in calls:
        check_program_call(call)


def _check_requirements(requirements: str) -> None:
    assert (ROOT / requirements).is_file(), f"tasks.py installs {requirements}, which does not exist"


def check_program_call(argv: list[str]) -> None:
    """One program that a tasks.py command runs, checked without side effects."""
    program = Path(argv[0])
    assert program.is_absolute() and program.parent == ROOT / ".venv" / "bin", argv
    local = BIN / program.name  # the same program of the environment running the tests
    assert local.exists(), f"{program.name} is not installed in the environment"
    rest = argv[1:]
    if program.name.startswith("python") and rest[:2] == ["-m", "pytest"]:
        _check_pytest_selects_tests(rest[2:])
    elif program.name.startswith("python") and rest[:1] == ["-m"]:
        module, sub = rest[1], rest[2:]
        subcommand = [sub[0]] if sub and not sub[0].startswith("-") else []
        proc = _run([sys.executable, "-m", module, *subcommand, "--help"])
        assert proc.returncode == 0, f"python -m {module} {' '.join(subcommand)} --help: {_explain(proc)}"
        if module == "dgmbook.build" and subcommand == ["chapter"]:
            _check_chapter_argument(sub[1:])
        if module == "dgmbook.build" and subcommand == ["sync"]:
            proc = _run([sys.executable, "-m", "dgmbook.build", "sync", "--check"])
            assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, _explain(proc)
    elif program.name.startswith("python") and rest and rest[0].endswith(".py"):
        script = Path(rest[0])
        assert script.is_absolute() and script.parent == ROOT / "benchmarks" and script.is_file(), argv
        proc = _run([sys.executable, str(script), "--help"])
        assert proc.returncode == 0, f"{script.name} --help: {_explain(proc)}"
    elif program.name == "jupyter-book":
        proc = _run([str(local), rest[0], "--help"])
        assert proc.returncode == 0, _explain(proc)
    elif program.name == "uv":
        assert rest[:2] == ["pip", "compile"], argv
        proc = _run([str(local), "pip", "compile", "--help"])
        assert proc.returncode == 0, _explain(proc)
        for name in [word for word in rest[2:] if word.startswith("requirements")]:
            assert (ROOT / name).is_file(), f"uv pip compile names {name}, which is missing"
    else:
        pytest.fail(f"no check for the program {argv}; add one to {Path(__file__).name}")


def _check_pytest_selects_tests(args: list[str]) -> None:
    proc = _run([sys.executable, "-m", "pytest", "--collect-only", "-q", *args])
    assert proc.returncode == 0, (
        f"pytest {' '.join(args)} selects no test or cannot collect: {_explain(proc)}")


def _check_chapter_argument(args: list[str]) -> None:
    from dgmbook.build import chapter_sources

    options = [arg for arg in args if arg.startswith("-")]
    assert set(options) <= {"--explore"}, f"tasks.py chapter knows --explore only, got {options}"
    args = [arg for arg in args if not arg.startswith("-")]
    assert len(args) == 1, f"tasks.py chapter takes one file, got {args}"
    chapters = [path.resolve() for path in chapter_sources()]
    assert (ROOT / args[0]).resolve() in chapters, f"{args[0]} is not a chapter listed in _toc.yml"


def check_venv_pytest(words: list[str]) -> None:
    """``.venv/bin/python -m pytest ARGS``: run it when it names test files, else collect."""
    args = words[3:]
    files = [arg for arg in args if not arg.startswith("-") and arg.endswith(".py")]
    for name in files:
        assert (ROOT / name).is_file(), f"{name} does not exist"
    if files and all(Path(name).name != Path(__file__).name for name in files):
        proc = _run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args])
        assert proc.returncode == 0, _explain(proc)
    else:
        _check_pytest_selects_tests(args)


def check_jupytext(words: list[str], tmp_path: Path) -> None:
    """``.venv/bin/jupytext ...``: run exactly, in a temporary copy of ``book/``."""
    root = tmp_path / "clone"
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("*.ipynb", "_build"))
    proc = _run([str(BIN / "jupytext"), *words[1:]], cwd=root)
    assert proc.returncode == 0, _explain(proc)
    if "--execute" in words and "--to" in words and words[words.index("--to") + 1] == "ipynb":
        source = next(word for word in words[1:] if word.endswith(".md"))
        _check_executed(root / Path(source).with_suffix(".ipynb"))


def _check_executed(notebook: Path) -> None:
    cells = json.loads(notebook.read_text(encoding="utf8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code and all(cell["execution_count"] for cell in code), f"{notebook.name} was not executed"
    errors = [out for cell in code for out in cell["outputs"] if out["output_type"] == "error"]
    assert not errors, f"{notebook.name}: {errors[0]['ename']}: {errors[0]['evalue']}"


def check_pip(words: list[str]) -> None:
    """``.venv/bin/pip install X``: pip is there (nothing is installed by the test)."""
    assert words[1] == "install" and len(words) > 2, words
    proc = _run([str(BIN / "pip"), "--version"])
    assert proc.returncode == 0, _explain(proc)


def check_jupyter_lab(words: list[str]) -> None:
    """``.venv/bin/jupyter lab FILE``: jupyter and jupytext are installed and FILE is a notebook."""
    import jupytext

    assert words[1] == "lab" and (BIN / "jupyter").exists(), words
    for name in words[2:]:
        assert jupytext.read(ROOT / name).cells, f"{name} is not a notebook jupytext can open"
    if shutil.which("jupyter-lab", path=str(BIN)):
        proc = _run([str(BIN / "jupyter"), "lab", "--version"])
        assert proc.returncode == 0, _explain(proc)


def check_ruff(words: list[str]) -> None:
    proc = _run([str(BIN / "ruff"), *words[1:]])
    assert proc.returncode == 0, _explain(proc)


def check_npm_pack(words: list[str]) -> None:
    """``npm pack mathjax@V`` (or its font): a version the tests fetch (nothing is downloaded here).

    MathJax 4 (and its font package) for the site's pages, MathJax 3 for the print edition."""
    from conftest import MATHJAX4_FONT, MATHJAX4_VERSION, MATHJAX_VERSION

    fetched = {f"mathjax@{MATHJAX_VERSION}", f"mathjax@{MATHJAX4_VERSION}",
               f"@mathjax/{MATHJAX4_FONT}-font@{MATHJAX4_VERSION}"}
    assert words[:2] == ["npm", "pack"] and len(words) == 3 and words[2] in fetched, (
        f"the documents say {' '.join(words)}, the tests fetch {sorted(fetched)}")


_PASSED: set[str] = set()  # a command shown in several places is run once


def check(command: Documented, tmp_path: Path) -> None:
    if command.text in _PASSED:
        return
    _check(command, tmp_path)
    _PASSED.add(command.text)


def _check(command: Documented, tmp_path: Path) -> None:
    env, words = _split(command.text)
    for variable in env:
        readers = [*ROOT.glob("src/dgmbook/*.py"), *ROOT.glob("tests/*.py"), ROOT / "tasks.py"]
        used = any(variable in path.read_text(encoding="utf8")
                   for path in readers if path.resolve() != Path(__file__).resolve())
        assert used, f"{command.where}: nothing reads the environment variable {variable}"
    if words[:2] in (["python3", "tasks.py"], ["python", "tasks.py"]):
        check_tasks_command(words)
    elif words[0] == ".venv/bin/python" and words[1:3] == ["-m", "pytest"]:
        check_venv_pytest(words)
    elif words[0] == ".venv/bin/jupytext":
        check_jupytext(words, tmp_path)
    elif words[0] == ".venv/bin/pip":
        check_pip(words)
    elif words[0] == ".venv/bin/jupyter":
        check_jupyter_lab(words)
    elif words[0] == ".venv/bin/ruff":
        check_ruff(words)
    elif words[0] == "npm" and words[1:2] == ["pack"]:
        check_npm_pack(words)
    else:
        pytest.fail(f"{command.where}: no check for the documented command {command.text!r}; "
                    f"add one to tests/{Path(__file__).name}")


def _is_slow(command: Documented) -> bool:
    """Executing a chapter takes tens of seconds: the ``book`` marker."""
    words = shlex.split(command.text)
    return words[:1] == [".venv/bin/jupytext"] and "--execute" in words


@pytest.mark.parametrize("command", [pytest.param(c, id=c.where) for c in COMMANDS if not _is_slow(c)])
def test_documented_command_works(command, tmp_path):
    check(command, tmp_path)


@pytest.mark.book
@pytest.mark.parametrize("command", [pytest.param(c, id=c.where) for c in COMMANDS if _is_slow(c)])
def test_documented_command_that_executes_a_chapter_works(command, tmp_path):
    check(command, tmp_path)


# ----- the extraction itself, and what the fast tests cannot run ---------------------------------------

def test_the_documents_commands_are_found():
    texts = {c.text for c in COMMANDS}
    assert "python3 tasks.py test" in texts and "python3 tasks.py book" in texts
    assert any(t.startswith(".venv/bin/jupytext --execute") for t in texts)
    assert any(t.startswith(".venv/bin/python -m pytest tests/") for t in texts)
    # comments are cut, quoted arguments kept
    assert 'python3 tasks.py test -m "not book"' in texts
    assert not any("#" in t for t in texts)


@pytest.mark.parametrize("text", ["python3 tasks.py lint", "python3 tasks.py chapter book/nowhere.md",
                                  ".venv/bin/mkdocs serve", "make html"])
def test_a_command_that_does_not_exist_is_caught(text, tmp_path):
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        check(Documented("README.md", 0, text), tmp_path)


def test_an_unknown_environment_variable_is_caught(tmp_path):
    with pytest.raises(AssertionError, match="DGMBOOK_NO_SUCH_VARIABLE"):
        check(Documented("README.md", 0, "DGMBOOK_NO_SUCH_VARIABLE=1 python3 tasks.py test"), tmp_path)


def test_jupytext_execute_runs_a_notebook_through_nbconvert(tmp_path):
    """The fast stand-in for executing a chapter: the same command on a one-cell notebook."""
    from dgmbook.build import chapter_sources

    # A chapter's own jupytext header (format, kernel), and one cell that imports the package.
    header = chapter_sources()[-1].read_text(encoding="utf8").split("\n---\n", 1)[0] + "\n---\n"
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "tiny.md").write_text(
        header + "\n```{code-cell} ipython3\nimport dgmbook\nprint(dgmbook.__version__)\n```\n",
        encoding="utf8")
    proc = _run([str(BIN / "jupytext"), "--execute", "--to", "ipynb", "book/tiny.md"], cwd=tmp_path)
    assert proc.returncode == 0, _explain(proc)
    _check_executed(tmp_path / "book" / "tiny.ipynb")


# ----- what a fork needs: the licences and the citation ------------------------------------------------

def test_licence_files_and_citation_agree_with_the_configuration():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf8"))["project"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["title"] == config["title"]
    assert citation["repository-code"] == config["repository"]["url"]
    assert citation["version"] == project["version"]
    assert [a["name"] for a in citation["authors"]] == [config["author"]]
    assert project["license"] in citation["license"] and "CC-BY-4.0" in citation["license"]
    assert (ROOT / "LICENSE").read_text(encoding="utf8").startswith("MIT License")
    content = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf8")
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in content


def test_readme_names_the_licences_and_the_citation():
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    for name in ("LICENSE", "LICENSE-CONTENT", "CITATION.cff", "CC BY 4.0", "MIT"):
        assert name in readme, f"README.md does not name {name}"


@pytest.mark.skipif(os.name == "nt", reason="the documents' commands are POSIX shell")
def test_the_virtual_environment_of_the_documents_is_the_one_testing():
    """The checks run programs next to ``sys.executable``: that must be the documents' ``.venv``."""
    if not VENV_PYTHON.exists():
        pytest.skip(".venv does not exist (the tests run in another environment)")
    assert Path(sys.prefix).resolve() == (ROOT / ".venv").resolve(), sys.prefix
