#!/usr/bin/env python3
"""Benchmark: one output-layer training step, full softmax vs NCE, as the vocabulary grows.

Answers "how much faster is NCE, and when?" for the section *Part 5.1: NCE for a language model*
(``book/q1_nce_language_model.md``), which reads the results from
``book/data/bench_language_model.json`` and never runs this script.

What is timed: the part of a training step whose cost depends on the vocabulary size ``V`` -- the
output layer's loss, its gradients (including the gradient sent back to the context
representation) and the Adagrad update of the output embeddings and biases
(``dgmbook.language_model._output_layer_step``), at batch 128 and embedding 64 by default:

- full softmax: three ``(B, D) x (D, V)``-sized matrix products, an exp over ``B V`` scores and a
  dense update of all ``V`` rows: ``O(B V D)``;
- NCE with ``k`` unigram noise words per data word: a gather of the ``B (k + 1)`` rows involved, a
  sort of their ids and a sparse scatter of their gradients: ``O(B k D)``.

How: all configurations of one ``V`` are measured *side by side*, one step each in rotating order,
``--repeats`` times, so that a burst of load from other processes hits all of them alike. Each step
is timed twice: by the CPU time of this process (``time.process_time``: with one BLAS thread, the
work of the step, insensitive to time spent waiting for a core that other processes hold) and by
the wall clock (``time.perf_counter``). Each repeat gives a paired ratio softmax/NCE; the JSON holds
medians and quartiles of the CPU step times (``*_ms``), of the wall-clock step times
(``wall_*_ms``) and of the paired CPU-time ratios, and both ratios of medians. BLAS runs on
``--threads`` threads (default 1: on a shared 2-core machine a multithreaded BLAS makes the
softmax's timings erratic, and CPU time measures work only when the step runs on one thread).

Then, end to end at ``--ppl-vocab`` words: the full softmax and NCE train the same model on the
same data from the same start, and their held-out perplexities are compared with each other and
with the true perplexity of the source. Training times there are wall-clock totals
(``dgmbook.language_model.train``), of the two runs one after the other: they show the end-to-end
picture, and their ratio need not match the per-step CPU-time ratios measured side by side.

Usage::

    .venv/bin/python benchmarks/bench_language_model.py            # a few minutes
    .venv/bin/python benchmarks/bench_language_model.py --quick    # a smoke run (seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "book" / "data" / "bench_language_model.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab-sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 25, 100], help="NCE noise words")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=40, help="timed steps per configuration")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--ppl-vocab", type=int, default=10_000, help="V of the end-to-end run")
    parser.add_argument("--ppl-k", type=int, default=25)
    parser.add_argument("--ppl-tokens", type=int, default=400_000, help="training tokens")
    parser.add_argument("--ppl-epochs", type=float, default=3.0)
    parser.add_argument("--ppl-evals", type=int, default=6, help="held-out evaluations per run")
    parser.add_argument("--ppl-lr", type=float, default=0.1)
    parser.add_argument("--skip-perplexity", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.vocab_sizes, args.ks, args.repeats = [500, 2_000], [5, 25], 5
        args.ppl_vocab, args.ppl_tokens = 500, 20_000
    return args


def time_steps(V: int, args, lm, np) -> dict:
    """Step times (seconds) of every configuration at vocabulary size ``V``, measured side by side."""
    rng = np.random.default_rng(args.seed)
    q = np.exp(lm.zipf_log_weights(V))
    sampler = lm.UnigramSampler(q)
    configs = [("softmax", 0)] + [("nce", k) for k in args.ks]
    models = {c: lm.LogBilinearLM(V, args.dim, unigram=q, random_state=args.seed) for c in configs}
    # Targets drawn from the same Zipf law as the noise, contexts as embeddings of random words.
    n_batches = args.warmup + args.repeats
    targets = sampler.sample((n_batches, args.batch_size), random_state=rng)
    contexts = sampler.sample((n_batches, args.batch_size), random_state=rng)
    cpu = {c: [] for c in configs}
    wall = {c: [] for c in configs}
    for r in range(n_batches):
        order = configs[r % len(configs):] + configs[:r % len(configs)]  # rotate who goes first
        for method, k in order:
            model = models[(method, k)]
            H = model.R[contexts[r]]
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            lm._output_layer_step(model, H, targets[r], method, k, sampler, 0.05, rng)
            cpu_time, wall_time = time.process_time() - start_cpu, time.perf_counter() - start_wall
            if r >= args.warmup:
                cpu[(method, k)].append(cpu_time)
                wall[(method, k)].append(wall_time)
    return ({c: np.asarray(t) for c, t in cpu.items()}, {c: np.asarray(t) for c, t in wall.items()})


def quartiles(np, x) -> dict:
    q25, q50, q75 = np.percentile(x, [25, 50, 75])
    return {"median": float(q50), "q25": float(q25), "q75": float(q75)}


def perplexity_run(args, lm, np) -> dict:
    """Full softmax vs NCE trained on the same data from the same start; held-out perplexities."""
    V = args.ppl_vocab
    source = lm.make_class_bigram_source(V, 16, random_state=args.seed)
    train_c, train_t = lm.bigram_pairs(source.sample(args.ppl_tokens, random_state=args.seed + 1))
    test_c, test_t = lm.bigram_pairs(source.sample(50_000, random_state=args.seed + 2))
    q = lm.unigram_distribution(train_t, V)
    sampler = lm.UnigramSampler(q)
    true_ce = float(-source.log_prob(test_c, test_t).mean())
    runs = []
    for method, k in [("softmax", 0), ("nce", args.ppl_k)]:
        model = lm.LogBilinearLM(V, args.dim, unigram=q, random_state=args.seed)
        history = lm.train(model, train_c, train_t, method, k=max(k, 1), sampler=sampler,
                           epochs=args.ppl_epochs, batch_size=args.batch_size, learning_rate=args.ppl_lr,
                           eval_pairs=(test_c, test_t), n_evals=args.ppl_evals, random_state=args.seed + 3)
        ev = lm.evaluate(model, test_c, test_t)
        runs.append({"method": method, "k": k, "perplexity": ev["perplexity"],
                     "train_seconds": history.seconds[-1], "seconds_per_step": history.seconds_per_step,
                     "log_z_mean": ev["log_z_mean"], "log_z_mean_abs": ev["log_z_mean_abs"],
                     "curve": {"epochs": history.epochs, "seconds": history.seconds,
                               "perplexity": history.perplexity}})
        print(f"  {method:8s} k={k:3d}: perplexity {ev['perplexity']:.2f}, "
              f"{history.seconds[-1]:.1f} s of training, mean |log Z| {ev['log_z_mean_abs']:.3f}", flush=True)
    return {"vocab_size": V, "dim": args.dim, "n_train_tokens": args.ppl_tokens, "epochs": args.ppl_epochs,
            "learning_rate": args.ppl_lr, "true_entropy_rate": source.entropy_rate(),
            "true_perplexity": float(np.exp(true_ce)),
            "unigram_perplexity": float(np.exp(source.unigram_entropy())), "runs": runs}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # must precede the first import of numpy
    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))
    from dgmbook import language_model as lm

    timing, ratios = [], []
    for V in args.vocab_sizes:
        print(f"V = {V}: timing {args.repeats} steps per configuration ...", flush=True)
        times, walls = time_steps(V, args, lm, np)
        soft, soft_wall = times[("softmax", 0)], walls[("softmax", 0)]
        for (method, k), t in times.items():
            w = walls[(method, k)]
            timing.append({"vocab_size": V, "method": method, "k": k,
                           **{f"{key}_ms": 1e3 * value for key, value in quartiles(np, t).items()},
                           **{f"wall_{key}_ms": 1e3 * value for key, value in quartiles(np, w).items()}})
            if method == "nce":
                paired = soft / t
                entry = {"vocab_size": V, "k": k, "ratio_of_medians": float(np.median(soft) / np.median(t)),
                         "wall_ratio_of_medians": float(np.median(soft_wall) / np.median(w)),
                         **{f"paired_{key}": value for key, value in quartiles(np, paired).items()}}
                ratios.append(entry)
                print(f"  CPU time: softmax {1e3 * np.median(soft):7.2f} ms, NCE k={k:3d} "
                      f"{1e3 * np.median(t):6.2f} ms: ratio {entry['ratio_of_medians']:6.1f} (paired IQR "
                      f"{entry['paired_q25']:.1f}-{entry['paired_q75']:.1f}); wall-clock ratio "
                      f"{entry['wall_ratio_of_medians']:.1f}", flush=True)

    result = {
        "meta": {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "blas_threads": args.threads, "batch_size": args.batch_size,
            "dim": args.dim, "repeats": args.repeats, "warmup": args.warmup, "seed": args.seed,
            "timer": "time.process_time (CPU time of the process; wall clock in wall_* fields)",
            "quick": args.quick, "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        },
        "timing": timing,
        "ratios": ratios,
    }
    if not args.skip_perplexity:
        print(f"End to end at V = {args.ppl_vocab}: softmax vs NCE k = {args.ppl_k} ...", flush=True)
        result["perplexity"] = perplexity_run(args, lm, np)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
