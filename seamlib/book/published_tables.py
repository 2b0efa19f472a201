"""The tables the experiment chapters publish, laid out from numbers computed elsewhere.

- :func:`dsprites_tables`: Rolinek et al. (2019), Table 2 and Bhowal et al. (2024), Table 4
  on dSprites, with our numbers (:func:`seamlib.experiments.dsprites.table_summary`) beside
  theirs (:mod:`seamlib.experiments.published`);
- :func:`provenance_table` and :func:`budget_summary_table`: where the stored dSprites
  results come from, and the pilot's training budget;
- :func:`fig5_grid_table`, :func:`diagonality_table` and :func:`p1_table`: Figure 5 on a
  stored grid; :func:`fig7_table`: Figure 7;
- :func:`faces_runs_table`, :func:`faces_claim_table` and :func:`faces_live_table`: the
  faces chapter.

Nothing here computes a statistic: each function only lays numbers out as the
:class:`~seamlib.book.report.Table` a chapter shows or glues into its prose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seamlib.book.plots.faces import run_label
from seamlib.book.report import Table
from seamlib.book.tables import mean_sd_text
from seamlib.experiments import published as PUB
from seamlib.experiments.common import group_stats
from seamlib.experiments.dsprites_stats import EQ6_MEASURES, FIG7_KEYS

__all__ = [
    "published_cell",
    "seed_cell",
    "dsprites_tables",
    "provenance_table",
    "budget_summary_table",
    "fig5_grid_table",
    "fig7_table",
    "diagonality_table",
    "p1_table",
    "faces_runs_table",
    "faces_claim_table",
    "faces_live_table",
]

Run = Mapping[str, Any]

Summary = Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]]


def seed_cell(stats: Mapping[str, float] | None) -> str:
    """``"mean ± sd (n=seeds)"`` of one of our table entries, ``"–"`` where there is none.

    Examples
    --------
    >>> from seamlib.book.published_tables import seed_cell
    >>> seed_cell({"mean": 0.123, "std": 0.01, "n": 3}), seed_cell(None)
    ('0.12 ± 0.01 (n=3)', '–')
    """
    if not stats or not stats.get("n"):
        return "–"
    return f"{mean_sd_text(stats, 2)} (n={stats['n']})"


def published_cell(value: Sequence[float] | None) -> str:
    """``"mean ± sd"`` of a published ``(mean, sd)``, ``"–"`` where the paper gives none.

    Examples
    --------
    >>> from seamlib.book.published_tables import published_cell
    >>> published_cell((0.34, 0.35)), published_cell(None)
    ('0.34 ± 0.35', '–')
    """
    return f"{value[0]:.2f} ± {value[1]:.2f}" if value else "–"


def dsprites_tables(summary: Summary, where: str, random_seeds: int) -> tuple[Table, Table]:
    """Rolinek et al.'s Table 2 and Bhowal et al.'s Table 4 (dSprites) beside ours.

    Parameters
    ----------
    summary
        ``{paper: {metric: {model: {"mean", "std", "n"}}}}``
        (:func:`seamlib.experiments.dsprites.table_summary`).
    where
        What our numbers are, for the captions (e.g. "our stored runs (32 x 32 variant)").
    random_seeds
        Initialisations of the random-decoder row (for its caption).

    Examples
    --------
    >>> from seamlib.book.published_tables import dsprites_tables
    >>> from seamlib.experiments import dsprites as R
    >>> summary = R.table_summary(R.load_results("tables"))  # doctest: +SKIP
    >>> rolinek, bhowal = dsprites_tables(summary, "our runs", 5)  # doctest: +SKIP
    """
    rk, bh = summary["rolinek"], summary["bhowal"]
    published: dict[str, Any] = {
        **PUB.ROLINEK_TABLE2_DSPRITES,
        "VAE (full)": {},
        "random decoder": {"dto": PUB.ROLINEK_RANDOM_DECODER_DTO},
    }
    rolinek = Table(
        ["model", "Disent. (paper)", "Disent. as printed", "Disent. chance-corrected",
         "DtO (paper)", "DtO (ours)", "MIG (ours)"],
        [
            [name, published_cell(p.get("disent")), seed_cell(rk["knn_disent"].get(name)),
             seed_cell(rk["knn_disent_chance"].get(name)), published_cell(p.get("dto")),
             seed_cell(rk["dto"].get(name)), seed_cell(rk["mig"].get(name))]
            for name, p in published.items()
        ],
        caption=f"Rolinek et al. (2019), Table 2, dSprites, beside {where} (VAE (full) is not "
        f"in their table; random decoder: untrained, {random_seeds} initialisations, "
        "Jacobians at prior samples)",
    )  # fmt: skip
    bhowal = Table(
        ["model", "MIG (paper)", "MIG, posterior samples (Chen et al.)",
         "MIG, histogram of means"],
        [
            [name, published_cell(p), seed_cell(bh["mig_sampled"].get(name)),
             seed_cell(bh["mig"].get(name))]
            for name, p in PUB.BHOWAL_TABLE4_DSPRITES.items()
        ],
        caption=f"Bhowal et al. (2024), Table 4, dSprites, beside {where}",
    )  # fmt: skip
    return rolinek, bhowal


def provenance_table(docs: Sequence[tuple[str, Mapping[str, Any]]]) -> Table:
    """One row per stored results file: where it is, device, runs, seeds, steps, CPU-hours.

    Parameters
    ----------
    docs
        ``(folder, results document)`` pairs; each document has ``experiment`` and the
        ``provenance`` of :func:`seamlib.experiments.pipeline.results_provenance`.

    Examples
    --------
    >>> from seamlib.book.published_tables import provenance_table
    >>> prov = {"device": "cpu", "n_runs": 2, "seeds": [0], "steps": 10,
    ...         "train_wall_s_total": 7200.0, "git_commit": "0123456789abcdef"}
    >>> provenance_table([("cpu", {"experiment": "fig5", "provenance": prov})]).cells[0]
    ['cpu/fig5', 'cpu', '2', '[0]', '10', '2', '0123456789ab']
    """
    rows = []
    for where, doc in docs:
        p = doc["provenance"]
        rows.append(
            [f"{where}/{doc['experiment']}", p["device"], p["n_runs"], str(p["seeds"]),
             str(p["steps"]), round(p["train_wall_s_total"] / 3600, 1), p["git_commit"][:12]]
        )  # fmt: skip
    return Table(["file", "device", "runs", "seeds", "steps", "train CPU-h", "collected at"], rows)


def budget_summary_table(budget: Sequence[Mapping[str, Any]]) -> Table:
    """The pilot's training budget, one row per run.

    ``budget`` is :func:`seamlib.experiments.pilot.budget_table`.

    Examples
    --------
    >>> from seamlib.book.published_tables import budget_summary_table
    >>> row = {"resolution": 32, "posterior": "diag", "beta": 8.0, "images_seen": 2000,
    ...        "complete": False, "images_per_s": 99.6, "final": 0.3, "plateau_images": 1000,
    ...        "plateau_cpu_s": 600.0, "per_cpu_hour": 0.1}
    >>> budget_summary_table([row]).cells[0][:5]
    ['32x32', 'diag', '8', '2,000 (stopped)', '100']
    """
    return Table(
        ["resolution", "posterior", "beta", "images seen", "images/s", "final MIG",
         "90 % after (images)", "CPU-min to 90 %", "MIG per CPU-hour"],
        [[f"{b['resolution']}x{b['resolution']}", b["posterior"], b["beta"],
          f"{b['images_seen']:,}" + ("" if b["complete"] else " (stopped)"),
          round(b["images_per_s"]), b["final"], f"{b['plateau_images']:,.0f}",
          b["plateau_cpu_s"] / 60, b["per_cpu_hour"]] for b in budget],
    )  # fmt: skip


FIG5_COLUMNS = {
    "mig": "MIG",
    "aas": "AAS",
    "jac_offdiag_per_x": "off-diag. A (per image)",
    "hess_offdiag_per_x": "off-diag. B (per image)",
    "hess_to_jac_per_x": "|B| / |A|",
}
"""The columns of :func:`fig5_grid_table`: summary field -> header."""


def fig5_grid_table(
    runs: Sequence[Run],
    caption: str,
    columns: Mapping[str, str] = FIG5_COLUMNS,
    active_latents: bool = True,
) -> Table:
    """A Figure 5 grid per (posterior, beta): runs, active latents and mean ± sd of
    ``columns`` (summary field -> header) over the seeds, diagonal posteriors first, largest
    beta first.

    Examples
    --------
    >>> from seamlib.book.published_tables import fig5_grid_table
    >>> runs = [{"config": {"posterior": "diag", "beta": 1.0}, "active": [True, False],
    ...          "mig": m, "aas": 0.5, "jac_offdiag_per_x": 0.1, "hess_offdiag_per_x": 0.2,
    ...          "hess_to_jac_per_x": 0.3} for m in (0.2, 0.4)]
    >>> fig5_grid_table(runs, "example").cells[0][:5]
    ['diag', '1', '2', '1.0 ± 0.0', '0.300 ± 0.141']
    """
    stats = {k: group_stats(runs, k) for k in columns}
    n_active = group_stats([{**r, "n_active": sum(r.get("active", []))} for r in runs], "n_active")
    points = sorted(stats["mig"].items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    active = ["active latents"] if active_latents else []
    return Table(
        ["posterior", "beta", "runs", *active, *columns.values()],
        [[post, beta, s["n"],
          *([mean_sd_text(n_active.get((post, beta)), 1)] if active_latents else []),
          *(mean_sd_text(stats[k].get((post, beta))) for k in columns)]
         for (post, beta), s in points],
        caption=caption,
    )  # fmt: skip


def fig7_table(stats: Mapping[str, Mapping[str, Any]], order: Sequence[str], caption: str) -> Table:
    """Figure 7 per variant, in ``order``: seeds, and mean ± sd of reconstruction (one
    decimal), MIG and AAS (three).

    Parameters
    ----------
    stats
        :func:`seamlib.experiments.dsprites_stats.fig7_stats`.

    Examples
    --------
    >>> from seamlib.book.published_tables import fig7_table
    >>> stats = {"anneal": {"n": 3, "recon_nll": (21.04, 1.41), "mig": (0.3, 0.02),
    ...                     "aas": (0.5, 0.1)}}
    >>> fig7_table(stats, ["anneal"], "example").cells[0]
    ['anneal', '3', '21.0 ± 1.4', '0.300 ± 0.020', '0.500 ± 0.100']
    """
    digits = {"recon_nll": 1}

    def cell(s: Mapping[str, Any], key: str) -> str:
        mean, sd = s[key]
        return mean_sd_text({"mean": mean, "std": sd, "n": s["n"]}, digits.get(key, 3))

    return Table(
        ["run", "seeds", "reconstruction (nats/image)", "MIG", "AAS"],
        [[v, stats[v]["n"], *(cell(stats[v], k) for k in FIG7_KEYS)] for v in order],
        caption=caption,
    )


def diagonality_table(
    trends: Mapping[str, Mapping[str, Mapping[str, float]]],
    controls: Mapping[str, Mapping[str, Mapping[str, float]]],
    caption: str,
) -> Table:
    """Spearman trends of the Eq. 6 terms' off-diagonals, one row per measure.

    Parameters
    ----------
    trends, controls
        :func:`seamlib.experiments.dsprites_stats.diagonality_trends` of the trained runs
        and of their untrained controls.

    Examples
    --------
    >>> from seamlib.book.published_tables import diagonality_table
    >>> from seamlib.experiments.dsprites_stats import EQ6_MEASURES
    >>> t = {"n": 8, "mig": -0.5, "mig_p": 0.1, "beta": -0.6, "beta_p": 0.05}
    >>> both = {p: {k: t for k in EQ6_MEASURES} for p in ("diag", "full")}
    >>> diagonality_table(both, both, "example").cells[0]
    ['Jacobian term, per image', '8', '-0.5', '0.1', '-0.6', '0.05', '-0.5', '-0.6', '-0.5', '0.1']
    """
    rows = []
    for key, label in EQ6_MEASURES.items():
        t, f, c = trends["diag"][key], trends["full"][key], controls["diag"][key]
        rows.append([label, int(t["n"]), t["mig"], t["mig_p"], t["beta"], t["beta_p"],
                     f["mig"], f["beta"], c["mig"], c["mig_p"]])  # fmt: skip
    return Table(
        ["measure", "diagonal runs", "rho(MIG, off-diag)", "p", "rho(beta, off-diag)", "p",
         "full: rho(MIG, ·)", "full: rho(beta, ·)", "untrained: rho(MIG, ·)", "p"],
        rows, fmt=".2g", caption=caption,
    )  # fmt: skip


def p1_table(
    tests: Sequence[tuple[str, str, Mapping[str, float], Mapping[str, float]]], caption: str
) -> Table:
    """Paired diagonal-against-full comparisons of the Eq. 6 terms, one row per test.

    Parameters
    ----------
    tests
        ``(measure, latents, trained, control)``: what was compared, over which latents, and
        :func:`seamlib.experiments.dsprites_stats.paired_test` on the trained runs and on
        their untrained controls.

    Examples
    --------
    >>> from seamlib.book.published_tables import p1_table
    >>> t = {"n": 6, "diag": 0.1, "full": 0.3, "diff": 0.2, "diff_sd": 0.05, "p": 0.016}
    >>> p1_table([("Jacobian term", "active latents", t, {**t, "p": 0.5})], "x").cells[0]
    ['Jacobian term', 'active latents', '6', '0.100', '0.300', '0.200 ± 0.050', '0.016', '0.5']
    """
    return Table(
        ["measure", "latents", "pairs", "diagonal", "full", "full - diagonal (mean ± sd)",
         "p (Wilcoxon)", "p (untrained)"],
        [[label, where, int(t["n"]), f"{t['diag']:.3f}", f"{t['full']:.3f}",
          f"{t['diff']:.3f} ± {t['diff_sd']:.3f}", f"{t['p']:.2g}", f"{c['p']:.2g}"]
         for label, where, t, c in tests],
        caption=caption,
    )  # fmt: skip


FACES_COLUMNS = ["n_active", "recon_mse", "kl", "jac_offdiag", "hess_offdiag",
                 "c1_v_distance", "c2_offdiag_fraction"]  # fmt: skip
"""The columns of :func:`faces_runs_table` (``aas`` is added where the runs have it)."""


def faces_runs_table(runs: Sequence[Run]) -> Table:
    """The faces runs, one row per run ordered by beta, posterior and seed: the Eq. 6, C1
    and C2 scores of :func:`seamlib.experiments.faces.summarise_run` ("–" where undefined).

    Examples
    --------
    >>> from seamlib.book.published_tables import faces_runs_table
    >>> run = {"config": {"posterior": "diag", "beta": 1.0, "seed": 0}, "n_active": 3,
    ...        "recon_mse": 0.01, "kl": 12.5, "jac_offdiag": None}
    >>> faces_runs_table([run]).cells[0][:7]
    ['diag', '1', '0', '3', '0.01', '12.5', '–']
    """
    cols = FACES_COLUMNS + (["aas"] if runs and runs[0].get("aas") is not None else [])

    def key(r: Run) -> tuple[float, str, int]:
        c = r["config"]
        return (float(c["beta"]), str(c["posterior"]), int(c["seed"]))

    return Table(
        ["posterior", "beta", "seed", *cols],
        [[r["config"]["posterior"], r["config"]["beta"], r["config"]["seed"],
          *("–" if r.get(k) is None else r[k] for k in cols)] for r in sorted(runs, key=key)],
        fmt=".4g",
    )  # fmt: skip


def faces_claim_table(
    rows: Sequence[Mapping[str, Any]],
    controls: Mapping[str, Mapping[str, Any]],
    held: Sequence[bool],
) -> Table:
    """The faces chapter's comparisons of diagonal and full posteriors, one row per check.

    Parameters
    ----------
    rows
        :func:`seamlib.experiments.faces.claim_rows` of the trained runs.
    controls
        The same for the untrained controls, by ``item``.
    held
        Whether each row's check held (what :func:`seamlib.book.claims.check` returned).

    Examples
    --------
    >>> from seamlib.book.published_tables import faces_claim_table
    >>> row = {"item": "lfw: Jacobian term, diagonal below full at beta=1 (one-sided ...)",
    ...        "diag": 0.1, "full": 0.4, "diag_values": [0.1], "full_values": [0.4],
    ...        "measured": 0.01}
    >>> faces_claim_table([row], {row["item"]: {"measured": 0.6}}, [True]).cells[0][0]
    'lfw: Jacobian term, diagonal below full at beta=1'
    """

    def seeds(values: Sequence[float]) -> str:
        return ", ".join(f"{x:.3g}" for x in values)

    return Table(
        ["comparison", "diagonal (mean)", "full (mean)", "diagonal seeds", "full seeds",
         "Welch p", "untrained p", "as predicted"],
        [[r["item"].split(" (one-sided")[0], r["diag"], r["full"], seeds(r["diag_values"]),
          seeds(r["full_values"]), r["measured"], controls[r["item"]]["measured"],
          "yes" if h else "no (declared known failure)"] for r, h in zip(rows, held)],
    )  # fmt: skip


def faces_live_table(runs: Sequence[Run]) -> Table:
    """A live faces grid, one row per run: steps, training time, reconstruction, AAS and
    active latents.

    Examples
    --------
    >>> from seamlib.book.published_tables import faces_live_table
    >>> run = {"config": {"posterior": "diag", "beta": 1.0}, "step": 5, "train_s": 1.25,
    ...        "recon_mse": 0.02, "aas": 0.31, "n_active": 0, "active": [False] * 4}
    >>> faces_live_table([run]).cells[0]
    ['diag, β=1', '5', '1.25', '0.02', '0.31', '0 of 4']
    """
    return Table(
        ["run", "steps", "train s", "recon MSE", "AAS (random attributes)", "active latents"],
        [[run_label(r), int(r["step"]), r["train_s"], r["recon_mse"], r["aas"],
          f"{r['n_active']} of {len(r['active'])}"] for r in runs],
        fmt=".4g",
    )  # fmt: skip
