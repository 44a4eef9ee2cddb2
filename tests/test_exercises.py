"""The "Your turn" checker: references pass, wrong answers are named, broken code is reported.

For every exercise: the package's reference and the page's own reference solution pass, and so does
the page's solution computed in float32; every catalogued mistake is recognised as itself; at least
three wrong implementations written as a student would write them are rejected with the intended
diagnosis, and correct but unusual ones (a CD chain run one step at a time, or one row at a time) are
not misdiagnosed. Functions that raise, return the wrong shape or type, complex numbers, NaN, or never
return (even swallowing every interrupt) are reported, not crashed on: each call runs in a forked
process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import jupytext
import numpy as np
import pytest
from scipy.special import expit

from dgmbook import exercises as ex
from dgmbook import score_matching
from dgmbook.build import ROOT
from dgmbook.exercises import EXERCISES, check, q1, stub_source, student_notebook

PAGES = [ROOT / "book" / f"q{q}_your_turn.md" for q in (1, 2, 3, 4)]


def _page_functions(page: Path) -> dict:
    """The functions defined by a page's reference cells, executed as the book executes them."""
    namespace: dict = {}
    for cell in jupytext.read(page).cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("reference" in tags or cell.source.startswith("import")):
            exec(cell.source, namespace)
    return namespace


PAGE_FUNCTIONS = {}
for _page in PAGES:
    PAGE_FUNCTIONS.update(_page_functions(_page))


def test_at_least_ten_exercises_cover_every_question_and_part_5_1():
    names = list(EXERCISES)
    assert len(names) >= 10
    for prefix in ("q1-", "q1lm-", "q2-", "q3-", "q4-"):
        assert any(n.startswith(prefix) for n in names), prefix


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_package_reference_passes(name):
    result = check(name, EXERCISES[name].reference, quiet=True)
    assert result.passed, result.message


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_pages_reference_solution_passes(name):
    func = PAGE_FUNCTIONS[EXERCISES[name].function]
    result = check(name, func, quiet=True)
    assert result.passed and result.message.startswith(f"✓ {name}"), result.message


CATALOGUED = [(n, i) for n, e in EXERCISES.items() for i in range(len(e.mistakes)) if n != "q1-cd-update"]


@pytest.mark.parametrize(("name", "index"), CATALOGUED)
def test_every_catalogued_mistake_is_recognised(name, index):
    mistake = EXERCISES[name].mistakes[index]
    result = check(name, mistake.implementation, quiet=True)
    assert not result.passed
    assert result.status == "mistake" and result.mistake == mistake.text, result.message
    assert "expected" in result.message and "received" in result.message


# ---------------------------------------------------------------------------------------------
# Wrong implementations as a student writes them, with the diagnosis each must get
# ---------------------------------------------------------------------------------------------
def _softplus(x):
    return np.logaddexp(0.0, x)


def _cd(start="data", sign=1.0, reduce="mean", steps=None):
    def cd_update(v, W, a, b, k, learning_rate, gibbs):
        if start == "data":
            v0 = v
        else:
            v0 = (np.random.default_rng(0).random(v.shape) < 0.5).astype(float)
        vk = gibbs(v0, k if steps is None else steps)
        ph0, phk = expit(v @ W + b), expit(vk @ W + b)
        n = len(v) if reduce == "mean" else 1
        gW, ga, gb = (v.T @ ph0 - vk.T @ phk) / n, (v - vk).sum(0) / n, (ph0 - phk).sum(0) / n
        return W + sign * learning_rate * gW, a + sign * learning_rate * ga, b + sign * learning_rate * gb
    return cd_update


def _cd_no_chain(v, W, a, b, k, learning_rate, gibbs):
    return W, a, b


WRONG = {
    "q1-free-energy": [
        (lambda v, W, a, b: v @ a + _softplus(v @ W + b).sum(1), "sign error"),
        (lambda v, W, a, b: -_softplus(v @ W + b).sum(1), "visible-bias term"),
        (lambda v, W, a, b: -(v @ a) - expit(v @ W + b).sum(1), "sigmoid stands where the softplus"),
        (lambda v, W, a, b: -(v @ a) - np.log(1 + np.exp(v @ W + b)).sum(1), "np.logaddexp(0, x)"),
    ],
    "q1-cd-update": [
        (_cd(start="random"), "started away from the data"),
        (_cd(sign=-1.0), "sign error in the update"),
        (_cd(reduce="sum"), "summed over the batch"),
        (_cd(steps=1), "no chain ran exactly k = 3 Gibbs steps from the data"),
        (_cd_no_chain, "never ran the Gibbs chain"),
    ],
    "q1-nce-classifier": [
        (lambda G, nu: expit(G), "ν (log ν) is missing from the NCE posterior"),
        (lambda G, nu: 1 / (1 + np.exp(-(G - nu))), "subtracted where log ν belongs"),
        (lambda G, nu: 1 - expit(G - np.log(nu)), "1 − D, the probability that u is noise"),
        (lambda G, nu: np.exp(G - np.log(nu)) / (1 + np.exp(G - np.log(nu))), "NaN or inf"),
    ],
    "q1-nce-objective": [
        (lambda g_data, g_noise, nu: np.mean(np.log(expit(g_data - np.log(nu))))
         + nu * np.mean(np.log(1 - expit(g_noise - np.log(nu)))), "NaN or inf"),  # log(0) at |G| = 800
        (lambda g_data, g_noise, nu: np.mean(-_softplus(-g_data)) + nu * np.mean(-_softplus(g_noise)),
         "ν (log ν) is missing from the NCE posterior"),
        (lambda g_data, g_noise, nu: np.mean(-_softplus(np.log(nu) - g_data))
         + np.mean(-_softplus(g_noise - np.log(nu))), "not weighted by ν"),
        (lambda g_data, g_noise, nu: np.mean(_softplus(np.log(nu) - g_data))
         + nu * np.mean(_softplus(g_noise - np.log(nu))), "sign error: this is −J"),
    ],
    "q1lm-nce-loss": [
        (lambda scores, target, noise, log_pn: _softplus(-(scores[target] - log_pn[target]))
         + _softplus(scores[noise] - log_pn[noise]).sum(), "ν (log ν) is missing"),
        (lambda scores, target, noise, log_pn: _softplus(-scores[target]) + _softplus(scores[noise]).sum(),
         "negative sampling"),
        (lambda scores, target, noise, log_pn:
         _softplus(-(scores[target] - np.log(len(noise)) - log_pn[target]))
         + _softplus(scores[noise] - np.log(len(noise)) - log_pn[noise]).mean(),
         "averaged instead of summed"),
    ],
    "q2-normal-score": [
        (lambda x, mu, sigma2: np.stack([(x - mu) / sigma2, -1 / np.sqrt(sigma2) + (x - mu) ** 2
                                         / np.sqrt(sigma2) ** 3], -1), "with respect to σ instead of σ²"),
        (lambda x, mu, sigma2: np.stack([(mu - x) / sigma2,
                                         -0.5 / sigma2 + (x - mu) ** 2 / (2 * sigma2**2)], -1),
         "sign error in the score"),
        (lambda x, mu, sigma2: np.stack([(x - mu) / sigma2, -1 / sigma2 + (x - mu) ** 2 / sigma2**2], -1),
         "the ½ is missing"),
        (lambda x, mu, sigma2: np.stack([x - mu, -0.5 / sigma2 + (x - mu) ** 2 / (2 * sigma2**2)], -1),
         "not the derivative of log N(x | μ, σ²) with respect to μ"),
        (lambda x, mu, sigma2: (x - mu) / sigma2, "shape"),
    ],
    "q2-fisher-mc": [
        (lambda scores: np.cov(scores.T), "sample mean was subtracted"),
        (lambda scores: np.outer(scores.mean(0), scores.mean(0)), "average score was squared"),
        (lambda scores: sum(np.outer(s, s) for s in scores), "summed over the draws"),
        (lambda scores: (scores**2).mean(0), "element-wise squares"),
    ],
    "q2-score-test": [
        (lambda x, mean0: np.sum(x - mean0) ** 2 / mean0**2, "per-observation information"),
        (lambda x, mean0: (x.mean() - mean0) * np.sqrt(len(x)) / mean0, "z statistic"),
        (lambda x, mean0: len(x) * (x.mean() - mean0) ** 2 / x.mean() ** 2, "Wald's statistic"),
        (lambda x, mean0: len(x) * (1 - mean0 * x.mean()) ** 2, "read as a rate"),
        (lambda x, mean0: x.mean() / mean0, "the score vanishes at the MLE"),
    ],
    "q3-gaussian-score": [
        (lambda x, mean, variance: ((x - mean) / variance, np.full(len(x), x.shape[1] / variance)),
         "sign error in the score"),
        (lambda x, mean, variance: (-(x - mean) / variance, np.full(len(x), -1 / variance)),
         "divergence is a trace"),
        (lambda x, mean, variance: (-(x - mean) / np.sqrt(variance),
                                    np.full(len(x), -x.shape[1] / np.sqrt(variance))),
         "divided by σ instead of σ²"),
        (lambda x, mean, variance: -(x - mean) / variance, "expected a tuple of 2 arrays"),
    ],
    "q3-ism-loss": [
        (lambda score, divergence: np.mean(np.sum(score**2, axis=1)), "trace (divergence) term is missing"),
        (lambda score, divergence: np.mean(divergence + np.sum(score**2, axis=1)), "the ½ is missing"),
        (lambda score, divergence: np.mean(divergence) + 0.5 * np.mean(score**2), "wrong value"),
        (lambda score, divergence: np.sum(divergence + 0.5 * np.sum(score**2, axis=1)),
         "summed over the samples"),
    ],
    "q4-posterior-mean": [
        (lambda x_t, x_0, t, alphas: _mu(x_t, x_0, alphas[t - 1], np.cumprod(alphas)[t - 1],
                                         np.cumprod(alphas)[t - 1]), "one step off"),
        (lambda x_t, x_0, t, alphas: _mu(x_t, x_0, alphas[t - 1], np.cumprod(alphas)[t],
                                         np.cumprod(alphas)[t - 1]), "one step off"),
        (lambda x_t, x_0, t, alphas: _mu(x_0, x_t, alphas[t - 1], np.cumprod(alphas)[t - 1],
                                         np.prod(alphas[:t - 1])), "swapped"),
        (lambda x_t, x_0, t, alphas: x_0, "wrong value"),
    ],
    "q4-posterior-variance": [
        (lambda t, alphas: 1 - alphas[t - 1], "this is β_t"),
        (lambda t, alphas: (1 - alphas[t - 1]) * (1 - np.cumprod(alphas)[t - 1])
         / (1 - np.cumprod(alphas)[t]),
         "one step off"),
        (lambda t, alphas: alphas[t - 1] * (1 - np.prod(alphas[:t - 1])) / (1 - np.prod(alphas[:t])),
         "α_t stands where β_t"),
    ],
    "q4-q-sample": [
        (lambda x_0, t, alphas, eps: np.sqrt(np.prod(alphas[:t - 1])) * x_0
         + np.sqrt(1 - np.prod(alphas[:t - 1])) * eps, "one step off"),
        (lambda x_0, t, alphas, eps: np.sqrt(alphas[t - 1]) * x_0 + np.sqrt(1 - alphas[t - 1]) * eps,
         "α_t (one step)"),
        (lambda x_0, t, alphas, eps: np.sqrt(np.prod(alphas[:t])) * x_0 + (1 - np.prod(alphas[:t])) * eps,
         "variance 1 − ᾱ_t instead of the standard deviation"),
    ],
}


def _mu(x_t, x_0, a, ab, ab_prev):
    return (np.sqrt(a) * (1 - ab_prev) * x_t + np.sqrt(ab_prev) * (1 - a) * x_0) / (1 - ab)


def test_every_exercise_has_three_wrong_implementations():
    assert set(WRONG) == set(EXERCISES)
    assert all(len(v) >= 3 for v in WRONG.values())


@pytest.mark.parametrize(("name", "index"), [(n, i) for n, cases in WRONG.items() for i in range(len(cases))])
def test_wrong_implementations_get_the_intended_diagnosis(name, index):
    func, diagnosis = WRONG[name][index]
    result = check(name, func, quiet=True)
    assert not result.passed
    assert diagnosis in result.message, result.message
    assert "\n" not in result.message


def test_the_issues_catalogued_mistakes_are_named_in_words():
    """The mistakes the issue lists, each recognised by name."""
    named = {
        ("q1-cd-update", 0): "started away from the data",
        ("q1-nce-classifier", 0): "ν (log ν) is missing from the NCE posterior",
        ("q2-normal-score", 0): "with respect to σ instead of σ²",
        ("q3-ism-loss", 0): "trace (divergence) term is missing",
        ("q3-ism-loss", 1): "the ½ is missing",
        ("q4-posterior-mean", 0): "ᾱ is indexed one step off",
        ("q2-normal-score", 1): "sign error in the score",
        ("q3-gaussian-score", 0): "sign error in the score",
    }
    for (name, index), words in named.items():
        result = check(name, WRONG[name][index][0], quiet=True)
        assert words in result.message and result.status == "mistake", result.message


# ---------------------------------------------------------------------------------------------
# Broken code is reported, not crashed on
# ---------------------------------------------------------------------------------------------
def _raises(x_t, x_0, t, alphas):
    raise KeyError("oops")


def _loops(x_t, x_0, t, alphas):
    while True:
        pass


def _sleeps(x_t, x_0, t, alphas):
    while True:
        time.sleep(0.01)


def _stub(x_t, x_0, t, alphas):
    raise NotImplementedError


@pytest.mark.parametrize(("func", "status", "words"), [
    (_raises, "raised", "raised KeyError: 'oops' on input"),
    (_stub, "not implemented", "not implemented yet: fill in the body of `posterior_mean`"),
    (lambda x_t, x_0, t, alphas: None, "type", "returned None (is the `return` statement missing?)"),
    (lambda x_t, x_0, t, alphas: "mu", "type", "returned a str, expected an array"),
    (lambda x_t, x_0, t, alphas: x_t[..., :1], "shape", "returned shape"),
    (lambda x_t, x_0, t, alphas: x_t * np.nan, "nonfinite", "returned NaN or inf"),
    (lambda x_t, x_0, t, alphas: x_t / 0.0, "nonfinite", "returned NaN or inf"),
    (lambda x_t, x_0, t, alphas: exit(), "raised", "raised SystemExit"),
])
def test_broken_functions_are_reported(func, status, words, capsys):
    result = check("q4-posterior-mean", func)
    assert not result.passed and result.status == status, result.message
    assert words in result.message
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and printed.count("\n") == 1


@pytest.mark.parametrize("func", [_loops, _sleeps])
def test_a_function_that_never_returns_is_stopped(func):
    start = time.perf_counter()
    result = check("q4-posterior-mean", func, time_limit=0.5, quiet=True)
    assert result.status == "timeout" and "did not return within 0.5 s" in result.message
    assert time.perf_counter() - start < 5


def test_the_time_limit_works_outside_the_main_thread():
    box = {}
    thread = threading.Thread(target=lambda: box.update(r=check("q4-posterior-mean", _loops, time_limit=0.5,
                                                                   quiet=True)))
    thread.start()
    thread.join(10)
    assert box["r"].status == "timeout"


def test_a_function_that_changes_its_input_or_returns_lists_is_judged_on_its_values():
    def mutating(x, mu, sigma2):
        x -= mu  # in place: the checker gives copies
        return [[xi / sigma2, (xi * xi / sigma2 - 1) / (2 * sigma2)] for xi in np.ravel(x)]

    result = check("q2-normal-score", mutating, quiet=True)
    assert result.status in ("shape", "pass")  # a (n, 2) list for (2, 3)-shaped x is a shape error
    reference = EXERCISES["q4-q-sample"].reference
    as_lists = check("q4-q-sample", lambda x_0, t, alphas, eps: reference(x_0, t, alphas, eps).tolist(),
                     quiet=True)
    assert as_lists.passed, as_lists.message


def test_a_check_records_its_result_and_assert_all_passed_reads_them():
    for name in ex.exercises_of("q4"):
        check(name, EXERCISES[name].reference, quiet=True)
    assert ex.assert_all_passed("q4") == ["q4-posterior-mean", "q4-posterior-variance", "q4-q-sample"]
    check("q4-q-sample", lambda x_0, t, alphas, eps: _stub(x_0, x_0, t, alphas), quiet=True)
    with pytest.raises(AssertionError, match="q4-q-sample: not implemented"):
        ex.assert_all_passed("q4")
    check("q4-q-sample", EXERCISES["q4-q-sample"].reference, quiet=True)


def test_the_ism_reference_is_the_packages_implicit_loss():
    model = score_matching.GaussianScoreModel([0.3, -0.2], 1.7)
    x = np.random.default_rng(1).normal(0, 1, (20, 2))
    want = score_matching.implicit_sm_terms(model, x).mean()
    assert np.isclose(EXERCISES["q3-ism-loss"].reference(model.score(x), model.divergence(x)), want)


def test_the_lm_mistake_formula_with_the_nu_offset_is_the_reference():
    case = q1._lm_cases(np.random.default_rng(4))[0]
    assert np.isclose(q1._lm_mistake("log_nu_pn")(**case), EXERCISES["q1lm-nce-loss"].reference(**case))


# ---------------------------------------------------------------------------------------------
# Single source: stubs and student notebooks
# ---------------------------------------------------------------------------------------------
def test_stub_keeps_signature_and_docstring_and_drops_the_body():
    source = ('import numpy as np\n\ndef f(x, y):\n    """Doc.\n\n    More.\n    """\n'
              "    z = x + y\n    return z\n")
    stub = stub_source(source)
    assert stub.startswith('def f(x, y):\n    """Doc.')
    assert "return z" not in stub and "import numpy" not in stub
    assert "raise NotImplementedError" in stub
    compile(stub, "<stub>", "exec")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_student_notebook_has_stubs_checks_and_no_solution(page):
    notebook = student_notebook(page)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    names = notebook.metadata["dgmbook"]["exercises"]
    assert names == ex.exercises_of(page.stem[:2])
    for name in names:
        function = EXERCISES[name].function
        stubs = [c for c in code if c.startswith(f"def {function}(")]
        assert len(stubs) == 1 and "raise NotImplementedError" in stubs[0]
        assert any(f'check("{name}", {function})' in c for c in code)
    assert not any("assert_all_passed" in c for c in code)
    namespace: dict = {}
    for source in code:
        if source.startswith(("def ", "import", "from")):
            exec(source, namespace)
    for name in names:
        result = check(name, namespace[EXERCISES[name].function], quiet=True)
        assert result.status == "not implemented"


CHAPTERS = [p for p in sorted((ROOT / "book").glob("q*.md")) if "{exercise}" in p.read_text(encoding="utf8")]


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapters_student_notebook_holds_its_questions_and_nothing_else(page):
    text = page.read_text(encoding="utf8")
    notebook = student_notebook(page)
    statements = [c.source for c in notebook.cells if c.source.startswith("**Question")]
    assert len(statements) == text.count("{exercise}") > 0
    assert all(c.cell_type == "markdown" for c in notebook.cells)
    joined = "\n".join(c.source for c in notebook.cells)
    assert "solution" not in joined and ":label:" not in joined and "Answer box" not in joined
    assert notebook.metadata["dgmbook"]["exercises"] == []


# ---------------------------------------------------------------------------------------------
# Float32 answers pass; correct but unusual answers are not misdiagnosed
# ---------------------------------------------------------------------------------------------
def _in_float32(func):
    """``func`` computed in single precision: float inputs cast to float32, the output rounded to it."""
    def wrapped(**kwargs):
        cast = {k: (v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype.kind == "f"
                    else np.float32(v) if isinstance(v, float) else v) for k, v in kwargs.items()}
        out = func(**cast)
        if isinstance(out, tuple):
            return tuple(np.asarray(o, dtype=np.float32) for o in out)
        return np.asarray(out, dtype=np.float32)
    return wrapped


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_float32_answer_passes(name):
    result = check(name, _in_float32(PAGE_FUNCTIONS[EXERCISES[name].function]), quiet=True)
    assert result.passed, result.message


def _cd_by_steps(v, W, a, b, k, learning_rate, gibbs):
    v_model = v
    for _ in range(k):  # k calls of one step: the same chain
        v_model = gibbs(v_model, 1)
    return PAGE_FUNCTIONS["cd_update"](v, W, a, b, k, learning_rate, lambda start, steps: v_model)


def _cd_by_rows(v, W, a, b, k, learning_rate, gibbs):
    v_model = np.vstack([gibbs(v[i:i + 1], k) for i in range(len(v))])  # one chain per data row
    return PAGE_FUNCTIONS["cd_update"](v, W, a, b, k, learning_rate, lambda start, steps: v_model)


@pytest.mark.parametrize("func", [_cd_by_steps, _cd_by_rows])
def test_a_correct_cd_chain_run_in_pieces_passes(func):
    result = check("q1-cd-update", func, quiet=True)
    assert result.passed, result.message


def test_the_cd_sampler_depends_only_on_the_state():
    case = ex.EXERCISES["q1-cd-update"].cases(np.random.default_rng(1))[1]
    model = q1.rbm.RBM(case["W"], case["a"], case["b"])
    whole = q1.coupled_gibbs(model, case["v"], 3)
    steps = q1.coupled_gibbs(q1.rbm.RBM(case["W"], case["a"], case["b"]),
                             q1.coupled_gibbs(model, case["v"], 2), 1)
    rows = np.vstack([q1.coupled_gibbs(model, case["v"][i:i + 1], 3) for i in range(len(case["v"]))])
    assert np.array_equal(whole, steps) and np.array_equal(whole, rows)
    assert not np.array_equal(q1.coupled_gibbs(model, case["v"], 1), whole)  # the steps do move


def _swallows(x_t, x_0, t, alphas):
    while True:
        try:
            time.sleep(0.01)
        except:  # noqa: E722 - the point: a bare except swallows every interrupt
            pass


def test_a_function_that_swallows_every_interrupt_is_still_stopped():
    start = time.perf_counter()
    result = check("q4-posterior-mean", _swallows, time_limit=0.5, quiet=True)
    assert result.status == "timeout"
    assert time.perf_counter() - start < 5


def test_a_naive_log_sigmoid_fails_on_extreme_scores():
    def naive(scores, target, noise, log_pn):
        z = scores - np.log(len(noise)) - log_pn
        return float(-np.log(expit(z[target])) - np.log(1 - expit(z[noise])).sum())

    result = check("q1lm-nce-loss", naive, quiet=True)
    assert result.status == "nonfinite", result.message


def test_the_score_test_tells_walds_statistic_from_the_score_statistic():
    def wald(x, mean0):
        return len(x) * (x.mean() - mean0) ** 2 / x.mean() ** 2

    result = check("q2-score-test", wald, quiet=True)
    assert result.status == "mistake" and "Wald" in result.message, result.message


def test_a_complex_answer_is_rejected():
    result = check("q4-posterior-mean", lambda x_t, x_0, t, alphas: (EXERCISES["q4-posterior-mean"].reference(
        x_t, x_0, t, alphas) + 0j), quiet=True)
    assert result.status == "type" and "complex" in result.message, result.message


def test_a_wrong_value_message_shows_a_difference():
    def off(t, alphas):
        return EXERCISES["q4-posterior-variance"].reference(t, alphas) * (1 + 3e-4)

    result = check("q4-posterior-variance", off, quiet=True)
    assert result.status == "wrong", result.message
    expected, received = result.message.split("expected ", 1)[1].split(", received ", 1)
    assert expected != received.split(" (largest")[0], result.message
    assert "largest relative difference 0.0003" in result.message


@pytest.mark.parametrize(("function", "formula"), [
    ("nce_classifier", "sigmoid(G"), ("implicit_sm_loss", "/ 2"), ("fisher_information_mc", "outer"),
])
def test_stub_docstrings_state_meaning_not_the_formula(function, formula):
    stubs = [c.source for page in PAGES for c in student_notebook(page).cells
             if c.cell_type == "code" and c.source.startswith(f"def {function}(")]
    assert len(stubs) == 1 and formula not in stubs[0], stubs
