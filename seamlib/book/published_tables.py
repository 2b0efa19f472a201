"""The published tables, with our numbers beside the papers': Rolinek et al. (2019), Table 2
and Bhowal et al. (2024), Table 4 on dSprites.

The numbers come from :func:`seamlib.experiments.dsprites.table_summary` (ours) and
:mod:`seamlib.experiments.published` (theirs); this module only lays them out as the
:class:`~seamlib.book.report.Table` objects the chapter glues into its prose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seamlib.book.report import Table
from seamlib.experiments import published as PUB

__all__ = ["published_cell", "seed_cell", "dsprites_tables"]

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
    return f"{stats['mean']:.2f} ± {stats['std']:.2f} (n={stats['n']})"


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
