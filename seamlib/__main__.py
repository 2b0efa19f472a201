"""Command line: ``python -m seamlib`` (or the ``seamlib`` console script).

Subcommands::

    seamlib train --dataset dsprites --subset 4096 --posterior diag --run-dir runs/diag
    seamlib train --resume runs/diag              # continue exactly where it stopped
    seamlib evaluate runs/diag                    # MIG, AAS, E[J^T J] diagonality -> eval.json
    seamlib sweep grid.json --launcher local      # or --launcher submitit
    seamlib results runs                          # one table of every run under runs/

Errors a user can fix (unknown dataset, beta <= 0, a batch larger than the data, an
unwritable run directory, a run directory another process is using, ...) are printed as one
line, without a traceback, before anything is created; the exit status is 2 (130 after an
interrupt, which leaves a checkpoint). A damaged run directory that could be repaired (a torn
metrics line, a corrupt state.json, a bad checkpoint with a good previous one) is reported as
one ``seamlib: warning:`` line. ``train --resume RUN`` may change --steps, --lr, --log-every,
--checkpoint-every, --eval-every, --eval-n and --data-root (recorded in provenance.json);
``train --resume RUN --restart`` starts a run over from step 0 with its stored options.
A file system that refuses a write (full, read-only, a name too long) is one line too,
exit status 2; a training run that fails says so in its state.json (status, reason, step).
Output cut short by a closed pipe (``seamlib evaluate RUN --json | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from seamlib.errors import SeamlibError

__all__ = ["main", "build_parser"]

# = seamlib.engine.config.INT_MAX, repeated so that parsing the command line imports no torch
_INT_MAX = (1 << 63) - 1


def _integer(low: int | None = None, high: int = _INT_MAX) -> Any:
    """argparse type: an integer, in [low, high] when ``low`` is given (else the range is
    checked by TrainConfig.validate)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects an integer, got {text!r}") from None
        if low is not None and not low <= value <= high:
            bound = f">= {low}" if high == _INT_MAX else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"expects an integer {bound}, got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


def _number(text: str) -> float:
    """argparse type: a finite number (ranges are checked by TrainConfig.validate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expects a finite number, got {text!r}")
    return value


# TrainConfig fields settable from the command line: (flag, field, type, help); ranges are
# checked by TrainConfig.validate, before anything is created
_TRAIN_OPTIONS: list[tuple[str, str, Any, str]] = [
    (
        "--dataset",
        "dataset",
        str,
        "data set (dsprites, dsprites-npz, lfw, celeba, synth-lin, "
        "synth-nonlin, rings); default dsprites",
    ),
    (
        "--arch",
        "architecture",
        str,
        "burgess (64x64 conv), rolinek-dsprites, rolinek-synth-lin, "
        "rolinek-synth-nonlin, rolinek-mnist, mlp; default burgess",
    ),
    ("-d", "latent_dim", _integer(), "latent dimension d (default 10)"),
    ("--posterior", "posterior", str, "diag or full (default diag)"),
    ("--likelihood", "likelihood", str, "bernoulli or gaussian (default bernoulli)"),
    ("--sigma2", "sigma2", _number, "variance of the Gaussian likelihood (default 1)"),
    ("--hidden", "hidden", str, "hidden sizes of --arch mlp, comma separated (default 64,64)"),
    (
        "--activation",
        "activation",
        str,
        "hidden nonlinearity of --arch mlp: tanh (default), relu, softplus, elu, silu",
    ),
    (
        "--mean",
        "mean",
        str,
        "Gaussian mean from the decoder output: identity (default) or sigmoid",
    ),
    ("--beta", "beta", _number, "KL weight; the start value of a schedule (default 1)"),
    ("--beta-end", "beta_end", _number, "final beta of the warmup/exp schedules"),
    ("--beta-schedule", "beta_schedule", str, "constant, warmup or exp (default constant)"),
    ("--warmup-steps", "warmup_steps", _integer(), "length of the linear warm-up"),
    ("--steps", "steps", _integer(), "training steps (default: the profile's train.steps)"),
    ("--batch-size", "batch_size", _integer(), "minibatch size (default: profile)"),
    ("--lr", "lr", _number, "Adam learning rate (default: profile)"),
    (
        "--seed",
        "seed",
        _integer(),
        "seed of initialisation, minibatches, noise and subset (default 0)",
    ),
    (
        "--subset",
        "subset",
        _integer(),
        "train on this many random data points (0 = all; default: profile, 1024 in smoke)",
    ),
    ("--data-root", "data_root", str, "data location (dsprites-npz file, celeba folder)"),
    (
        "--checkpoint-every",
        "checkpoint_every",
        _integer(),
        "steps between checkpoints (default: profile)",
    ),
    ("--log-every", "log_every", _integer(), "steps between metrics rows (default: profile)"),
    ("--device", "device", str, "auto (cuda if available), cpu or cuda"),
    (
        "--resolution",
        "resolution",
        _integer(),
        "dSprites pixels per side: 64 (original) or 32 (2x2 mean-pooled variant); default 64",
    ),
    (
        "--eval-every",
        "eval_every",
        _integer(),
        "steps between learning-curve evaluations (MIG, AAS, Eq. 6) -> curve.jsonl; 0 = none",
    ),
    (
        "--eval-n",
        "eval_n",
        _integer(),
        "data points of each learning-curve evaluation (default 4096)",
    ),
]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``seamlib`` argument parser."""
    parser = _Parser(
        prog="seamlib",
        description="Train and evaluate VAEs with diagonal or full Gaussian posteriors "
        "(the engine of 'Unpicking Data at the Seams').",
        epilog="Run `seamlib COMMAND --help` for the options of a command.",
    )
    parser.add_argument(
        "--profile", help="size profile: smoke, laptop (default) or paper (SEAMLIB_PROFILE)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tr = sub.add_parser(
        "train",
        help="train a VAE in a run directory (or --resume one)",
        description="Train a VAE; writes config.json, metrics.jsonl, checkpoint.pt in "
        "--run-dir. Ctrl-C writes a checkpoint; continue with --resume RUN_DIR.",
    )
    for flag, name, typ, text in _TRAIN_OPTIONS:
        tr.add_argument(flag, dest=name, default=None, type=typ, help=text)
    tr.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="channels_last memory format (default: on for the conv model on the CPU only, "
        "where benchmarks/bench_engine.py measured it faster)",
    )
    tr.add_argument(
        "--run-dir", help="run directory (default runs/<dataset>-<posterior>-beta<beta>-seed<seed>)"
    )
    tr.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR exactly")
    tr.add_argument(
        "--restart",
        action="store_true",
        help="with --resume: start the run over from step 0 with its stored options (its "
        "checkpoints and metrics are kept aside as *.before-restart)",
    )
    tr.add_argument(
        "--stop-after",
        type=_integer(1),
        help="stop (with a checkpoint) after this many steps in total; the run stays resumable",
    )
    tr.add_argument("--no-progress", action="store_true", help="no progress bar")
    tr.add_argument(
        "--threads", type=_integer(1, 4096), help="torch CPU threads (default: torch's choice)"
    )

    ev = sub.add_parser("evaluate", help="evaluate a trained run (writes RUN_DIR/eval.json)")
    ev.add_argument("run_dir", metavar="RUN_DIR")
    ev.add_argument(
        "--n", type=_integer(1), help="data points used (default: profile's train.eval_n)"
    )
    ev.add_argument(
        "--n-jacobian",
        type=_integer(1),
        help="posterior means at which E[J^T J] is averaged (default: profile)",
    )
    ev.add_argument("--seed", type=_integer(0), default=0)
    ev.add_argument("--device", default="auto")
    ev.add_argument("--json", action="store_true", help="print the full eval.json")

    sw = sub.add_parser("sweep", help="run a grid of training runs from a JSON/YAML grid file")
    sw.add_argument("grid", metavar="GRID")
    sw.add_argument("--launcher", choices=["local", "submitit"], default="local")
    sw.add_argument("--root", help="folder of the run directories (default: the grid's root)")
    sw.add_argument(
        "--cluster",
        choices=["slurm", "local", "debug"],
        help="submitit cluster (default: auto, Slurm when available)",
    )
    sw.add_argument("--timeout-min", type=_integer(1), default=60, help="submitit job time limit")
    sw.add_argument("--partition", help="Slurm partition")
    sw.add_argument("--gpus", type=_integer(0), help="GPUs per Slurm job")
    sw.add_argument("--no-wait", action="store_true", help="submitit: return after submitting")
    sw.add_argument("--dry-run", action="store_true", help="list the runs, train nothing")
    sw.add_argument("--no-progress", action="store_true")
    sw.add_argument(
        "--skip-busy",
        action="store_true",
        help="skip runs another process is training (start the same sweep once per core)",
    )
    sw.add_argument(
        "--skip-stored",
        metavar="RESULTS",
        help="skip the runs stored as complete in this results JSON (their folders may be gone)",
    )

    rs = sub.add_parser("results", help="collect run directories into one table")
    rs.add_argument(
        "roots",
        nargs="*",
        default=["runs"],
        metavar="ROOT",
        help="folders holding run directories (default runs)",
    )
    rs.add_argument("--out", help="also write the table (.json with provenance, or .csv)")
    rs.add_argument("--columns", help="comma-separated columns to print")
    return parser


def _train_overrides(args: argparse.Namespace) -> dict[str, Any]:
    from seamlib.errors import ConfigError

    out: dict[str, Any] = {}
    for _flag, name, _typ, _ in _TRAIN_OPTIONS:
        value = getattr(args, name)
        if value is None:
            continue
        if name == "hidden":
            try:
                out[name] = tuple(int(v) for v in str(value).split(",") if v.strip())
            except ValueError as exc:
                raise ConfigError(f"--hidden expects sizes like 64,64, got {value!r}.") from exc
            continue
        out[name] = value
    if args.channels_last is not None:
        out["channels_last"] = bool(args.channels_last)
    return out


def _cmd_train(args: argparse.Namespace) -> int:
    import torch

    from seamlib.engine.config import RESUME_CHANGES, TrainConfig
    from seamlib.engine.train import train
    from seamlib.errors import ConfigError

    overrides = _train_overrides(args)
    progress = not args.no_progress
    for option, value in (("--run-dir", args.run_dir), ("--resume", args.resume)):
        if value is not None and not value.strip():
            raise ConfigError(f"{option} expects a folder path, got {value!r}.")
    if args.restart and not args.resume:
        raise ConfigError("--restart starts a stored run over; use it with --resume RUN_DIR.")
    if args.resume:
        extra = sorted(set(overrides) - set(RESUME_CHANGES))
        if extra or args.run_dir:
            flag = {name: f for f, name, _t, _h in _TRAIN_OPTIONS}
            safe = ", ".join(flag[name] for name in RESUME_CHANGES)
            drop = ", ".join(flag.get(e, "--" + e.replace("_", "-")) for e in extra)
            raise ConfigError(
                "--resume continues a run with its stored options; drop "
                f"{drop or '--run-dir'}"
                f" (only {safe} may change on resume; start a new run to change the others)."
            )
        if args.threads:
            torch.set_num_threads(args.threads)
        result = train(
            None,
            args.resume,
            resume=True,
            progress=progress,
            stop_after=args.stop_after,
            changes=overrides,
            restart=args.restart,
        )
    else:
        config = TrainConfig.from_profile(args.profile, **overrides)
        config.validate()
        if args.threads:
            torch.set_num_threads(args.threads)
        run_dir = args.run_dir or (
            f"runs/{config.dataset}-{config.posterior}-beta{config.beta:g}-seed{config.seed}"
        )
        result = train(config, run_dir, progress=progress, stop_after=args.stop_after)
    last = result.metrics[-1] if result.metrics else {}
    summary = ", ".join(
        f"{k}={last[k]:.4g}" for k in ("loss", "elbo", "kl") if isinstance(last.get(k), float)
    )
    print(f"{result.status}: step {result.step}/{result.steps} in {result.run_dir}  {summary}")
    if result.status != "complete":
        print(f"continue with: python -m seamlib train --resume {result.run_dir}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from seamlib.engine.evaluate import evaluate

    out = evaluate(
        args.run_dir, n=args.n, n_jacobian=args.n_jacobian, seed=args.seed, device=args.device
    )
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(
        f"evaluated {args.run_dir} at step {out.get('step')} on {out['n']} points "
        f"(written to {Path(args.run_dir) / 'eval.json'})"
    )
    for key in ("elbo", "nll", "kl", "jtj_off_diagonal", "hessian_off_diagonal", "mig", "aas"):
        if key in out:
            print(f"  {key:21s} {out[key]:.4g}")
    if "metrics_error" in out:
        print(f"  disentanglement metrics skipped: {out['metrics_error']}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from seamlib.engine.sweep import expand_grid, launch, load_grid

    runs = expand_grid(load_grid(args.grid), root=args.root)
    print(f"{len(runs)} runs under {runs[0].run_dir.parent if runs else '-'}")
    if args.skip_stored:
        from seamlib.engine.sweep import stored_run_names

        stored = stored_run_names(args.skip_stored, runs)
        runs = [run for run in runs if run.name not in stored]
        print(f"{len(runs)} not stored as complete in {args.skip_stored}")
    if args.dry_run:
        from seamlib.engine.sweep import check_stored_runs

        check_stored_runs(runs, skip_busy=args.skip_busy)
        for run in runs:
            print(f"  {run.run_dir}")
        return 0
    params: dict[str, Any] = {"timeout_min": args.timeout_min}
    if args.partition:
        params["slurm_partition"] = args.partition
    if args.gpus is not None:
        params["gpus_per_node"] = args.gpus
    from seamlib.engine.train import TrainingInterrupted

    try:
        out = launch(
            runs,
            args.launcher,
            progress=not args.no_progress,
            cluster=args.cluster,
            wait=not args.no_wait,
            executor_params=params,
            skip_busy=args.skip_busy,
        )
    except TrainingInterrupted as exc:
        raise TrainingInterrupted(
            f"{exc} To resume the whole sweep, run the same sweep command again.",
            step=exc.step,
            run_dir=exc.run_dir,
        ) from exc
    for row in out:
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from seamlib.engine.sweep import COLUMNS, DEFAULT_COLUMNS, format_table, results, write_results
    from seamlib.errors import ConfigError

    columns = tuple(c.strip() for c in args.columns.split(",")) if args.columns else DEFAULT_COLUMNS
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown or not columns:
        raise ConfigError(
            f"Unknown column(s) {', '.join(map(repr, unknown)) or '(none given)'} for --columns;"
            f" valid columns: {', '.join(COLUMNS)}."
        )
    rows = results(args.roots)
    print(format_table(rows, columns) if rows else "no run directories found")
    if args.out:
        path = write_results(rows, args.out)
        print(f"wrote {len(rows)} rows to {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 user error, 130 interrupted, 141 when
    the reader of the output went away)."""
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            status = _main(argv)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return status
    except KeyboardInterrupt:  # e.g. Ctrl-C while torch is still being imported
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `seamlib evaluate RUN --json | head`: the reader is done
        _silence_stdout()
        return 141  # what a shell reports for a process ended by SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass


# options whose value is a number (the values of the rest never start with "-")
_NUMERIC_FLAGS = {flag for flag, _n, typ, _h in _TRAIN_OPTIONS if typ is not str}
_NUMERIC_FLAGS |= {"--stop-after", "--threads", "--n", "--n-jacobian", "--timeout-min", "--gpus"}


def _numeric_values_attached(argv: list[str]) -> list[str]:
    """``--beta -inf`` -> ``--beta=-inf``: argparse takes a value that starts with ``-`` but
    is not a plain negative number (``-inf``, ``-1e5``, ``-nan``) for an option, so the
    range check would never see it."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if token in _NUMERIC_FLAGS and nxt is not None and nxt.startswith("-") and _is_number(nxt):
            out.append(f"{token}={nxt}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _show_warning(
    message: Any, category: Any, filename: str, lineno: int, *a: Any, **k: Any
) -> None:
    """A repaired run directory (seamlib.engine.rundir.RunDirWarning) is one line on stderr."""
    if category.__name__ == "RunDirWarning":
        print(f"seamlib: warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno).rstrip(), file=sys.stderr)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_numeric_values_attached(argv))
    if args.command is None:
        parser.print_help()
        return 2
    commands = {
        "train": _cmd_train,
        "evaluate": _cmd_evaluate,
        "sweep": _cmd_sweep,
        "results": _cmd_results,
    }
    try:
        from seamlib.config import using_profile

        if args.profile:
            with using_profile(args.profile):
                return commands[args.command](args)
        return commands[args.command](args)
    except SeamlibError as exc:
        train_module = sys.modules.get("seamlib.engine.train")
        if train_module is not None and isinstance(exc, train_module.TrainingInterrupted):
            print(f"interrupted: {exc}", file=sys.stderr)
            return 130
        print(f"seamlib {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except OSError as exc:  # the file system refused: full, read-only, a name too long, ...
        where = f" ({_short_path(exc.filename)})" if exc.filename else ""
        what = exc.strerror or str(exc) or type(exc).__name__
        hint = {
            errno.ENOSPC: "free disk space",
            errno.EROFS: "choose a writable folder",
            errno.ENAMETOOLONG: "choose shorter folder and file names",
            errno.EACCES: "choose a folder you may write to",
        }.get(exc.errno or 0, "check the paths given")
        print(f"seamlib {args.command}: error: {what}{where}; {hint}.", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            f"seamlib {args.command}: error: out of memory; lower -d, --hidden, "
            "--batch-size or --subset.",
            file=sys.stderr,
        )
        return 2


def _short_path(path: Any, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


if __name__ == "__main__":
    sys.exit(main())
