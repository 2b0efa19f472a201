"""Checking the paper's numbered claims, and the ledger that records every check.

A chapter asserts a claim of the paper numerically with :func:`check`::

    from seamlib import claims
    claims.check("eq3", measured=err, expected=0.0, tol=1e-10,
                 item="posterior equals Gaussian conditioning")

``check`` compares ``measured`` with ``expected`` under ``op`` and a tolerance, appends a
record (claim, item, chapter, measured, expected, tol, profile, passed, time) to the
ledger, and raises :class:`ClaimFailed` (an ``AssertionError``) naming the claim and the
size of the miss when it does not hold, so the book build fails. Claims the paper states
but that our numbers may or may not reproduce (trained-model trends, published tables) are
recorded with ``strict=False``: the ledger shows "not reproduced" instead of failing.

:data:`REGISTRY` lists every claim the book must check. The "Claims ledger" appendix
renders it against the recorded checks; a claim shows as checked only if a chapter ran it.

Ledger location: ``$SEAMLIB_LEDGER_DIR`` if set, else ``_build/ledger`` under the book
root (the nearest parent folder of the working directory that holds ``_toc.yml``), else
``~/.cache/seamlib/ledger``. One JSON-lines file per chapter; a re-run of a check replaces
the earlier record of the same (claim, item, profile).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seamlib.config import profile_name

__all__ = [
    "Claim",
    "ClaimFailed",
    "REGISTRY",
    "check",
    "ledger_dir",
    "read_ledger",
    "summarise",
]

LEDGER_ENV = "SEAMLIB_LEDGER_DIR"
_OPS = ("==", "<=", ">=", "<", ">")


@dataclass(frozen=True)
class Claim:
    """A numbered claim of the paper (or a reproduced table) that the book checks.

    Attributes
    ----------
    id
        Short stable key used in :func:`check`, e.g. ``"eq3"`` or ``"lemma-5.1"``.
    name
        How the paper names it, e.g. ``"Eq. 3"`` or ``"Lemma 5.1"``.
    statement
        One-line statement of what is checked.
    chapter
        The book chapter (file stem under ``book/``) that checks it.

    Examples
    --------
    >>> from seamlib import claims
    >>> claims.REGISTRY["eq3"].name
    'Eq. 3'
    """

    id: str
    name: str
    statement: str
    chapter: str


def _c(id: str, name: str, chapter: str, statement: str) -> Claim:
    return Claim(id=id, name=name, statement=statement, chapter=chapter)


#: Every claim the book must check, in the order of the paper.
REGISTRY: dict[str, Claim] = {
    c.id: c
    for c in [
        # --- Linear models (PPCA, LVAE) -----------------------------------------------
        _c(
            "eq2",
            "Eq. 2",
            "linear_models",
            "PPCA: the Tipping & Bishop closed form is the maximum-likelihood solution.",
        ),
        _c(
            "eq3",
            "Eq. 3",
            "linear_models",
            "PPCA posterior mean and covariance equal Gaussian conditioning of the joint.",
        ),
        _c(
            "eq4",
            "Eq. 4",
            "linear_models",
            "Optimal LVAE posterior covariance (I + W^T W / sigma^2)^-1 = sigma^2 R^T L^-1 R.",
        ),
        _c(
            "symmetry",
            "Sec. 3 (rotational symmetry)",
            "linear_models",
            "PPCA/full-covariance LVAE are invariant to W -> WR; diagonal Sigma breaks it "
            "except for signed permutations.",
        ),
        _c(
            "fig-2",
            "Figure 2",
            "linear_models",
            "Diagonal and full LVAEs both fit U, S; only diagonal drives V to a signed "
            "permutation.",
        ),
        _c(
            "fig-3",
            "Figure 3 (left)",
            "linear_models",
            "Alignment of V converges later than the fit of U, S.",
        ),
        _c(
            "cor-6.1",
            "Corollary 6.1",
            "linear_models",
            "LVAE identifiability: learned U matches ground truth up to P&S as n grows; "
            "equal singular values leave V unidentified.",
        ),
        _c(
            "rolinek-synth-lin",
            "Rolinek et al. Table 2 (Synth Lin)",
            "linear_models",
            "Linear beta-VAE on Synth Lin reaches distance-to-orthogonality ~ 0.",
        ),
        # --- Optimal posteriors and the Eq. 6 identity ----------------------------------
        _c(
            "eq6",
            "Eq. 6",
            "optimal_posteriors",
            "At the optimal Gaussian posterior, Sigma^-1 = I - (1/beta) E_q[Hessian of "
            "log p(x|z)]; Jacobian/Hessian form and its sign.",
        ),
        _c(
            "eq6-diag",
            "Eq. 6 (diagonal posteriors)",
            "optimal_posteriors",
            "Diagonal optimum satisfies the diagonal of Eq. 6; the full-vs-diagonal ELBO gap "
            "vanishes exactly when the expected derivative terms are diagonal.",
        ),
        _c(
            "app-b-beta",
            "Appendix B (beta as variance)",
            "optimal_posteriors",
            "The beta-ELBO equals the ELBO with likelihood variance beta sigma^2, over beta.",
        ),
        _c(
            "app-b-collapse",
            "Appendix B (posterior collapse)",
            "optimal_posteriors",
            "Latent i of a linear VAE collapses exactly when lambda_i <= beta sigma^2.",
        ),
        _c(
            "fig-6",
            "Figure 6",
            "optimal_posteriors",
            "Increasing beta pulls reconstructions of ring data towards the centroid.",
        ),
        _c(
            "app-g",
            "Appendix G",
            "optimal_posteriors",
            "Counterexample to an inequality used by Reizinger et al.",
        ),
        # --- Jacobians, s.v. paths and seams ----------------------------------------------
        _c(
            "def-d2",
            "Definition D2",
            "seams",
            "Regular set and a continuous SVD of the Jacobian along paths.",
        ),
        _c("def-d3", "Definition D3", "seams", "Singular-vector paths dz/dt = v^i(z)."),
        _c("def-d4", "Definition D4", "seams", "Seams: images of s.v. paths, dx/dt ~ u^i."),
        _c(
            "lemma-c.1",
            "Lemma C.1",
            "seams",
            "Along an s.v. path, d/dt g(z_t) = s^i u^i: s.v. paths map to seams.",
        ),
        _c(
            "lemma-5.1",
            "Lemma 5.1",
            "seams",
            "prod_i s^i = det(J^T J)^(1/2) and p_mu(g(z)) = prod_i p_i(z_i) / s^i(z).",
        ),
        _c(
            "fig-4",
            "Figures 3 (right) and 4",
            "seams",
            "S.v. paths in Z and seams on the manifold for the three generators.",
        ),
        # --- Disentanglement = C1 + C2 ----------------------------------------------------
        _c(
            "def-d1",
            "Definition D1 / Eq. 5",
            "disentanglement",
            "Disentanglement: p_mu factorises into independent 1-D seam densities.",
        ),
        _c(
            "thm-5.2",
            "Theorem 5.2",
            "disentanglement",
            "Disentangled (D1) iff C1 and C2: seam coordinates are independent for c1c2 and "
            "dependent for c1_only and neither.",
        ),
        _c(
            "p1",
            "Property P1",
            "disentanglement",
            "Diagonal posteriors make E[J^T J] and the Hessian term of Eq. 6 diagonal.",
        ),
        _c(
            "lemma-4.1",
            "Lemma 4.1",
            "disentanglement",
            "Under P1 the decoder satisfies C1 and C2 (in expectation).",
        ),
        # --- Identifiability --------------------------------------------------------------
        _c(
            "lemma-6.3",
            "Lemma 6.3",
            "identifiability",
            "Intrinsic seams: the tangent Hessian of log p_mu is chart-independent and diagonal "
            "in the u^i basis (c1c2, not c1_only); equal eigenvalues leave seams undetermined.",
        ),
        _c(
            "lemma-6.4",
            "Lemma 6.4",
            "identifiability",
            "A matching C1-C2 decoder finds the seams (eigenvectors = u^i up to P&S).",
        ),
        _c(
            "thm-6.5",
            "Theorem 6.5 / Corollary D.1",
            "identifiability",
            "Gaussian VAEs with diagonal posteriors identify ground-truth components up to P&S "
            "(learned vs true u^i, MCC); full posteriors reported beside.",
        ),
        _c(
            "cor-6.7",
            "Corollary 6.7",
            "identifiability",
            "Blind source separation: non-Gaussian sources recovered up to monotone maps.",
        ),
        _c(
            "remark-6.8",
            "Remark 6.8",
            "identifiability",
            "A deterministic model with Gaussian prior is not identifiable; diagonal "
            "posteriors break the rotation symmetry.",
        ),
        # --- Metrics ----------------------------------------------------------------------
        _c(
            "app-e-metrics",
            "Appendix E (metrics)",
            "metrics",
            "MIG, AAS and normalised off-diagonality behave as defined on known cases.",
        ),
        _c(
            "rolinek-s72",
            "Rolinek et al. Eq. 29 / Suppl. 8.2 (DtO)",
            "metrics",
            "The nearest signed permutation of the DtO MILP is a linear assignment problem: "
            "same optimum as the MILP; DtO = 0 exactly for signed permutations.",
        ),
        _c(
            "rolinek-s65",
            "Rolinek et al. Suppl. 8.1 (Disent. score)",
            "metrics",
            "The kNN Disentanglement score lies in (0, 1) as stated (tested: the printed "
            "classification normaliser lets a summand exceed 1).",
        ),
        _c(
            "bhowal-prop7",
            "Bhowal et al. Prop. 7 / OD-score",
            "metrics",
            "Nearest orthogonal matrix: the printed M (M^T M)^(1/2) is not orthogonal; "
            "M (M^T M)^(-1/2) is. OD-score = 0 for orthogonal columns.",
        ),
        _c(
            "mig-implementations",
            "MIG implementations (Chen et al. vs disentanglement_lib)",
            "metrics",
            "On the same codes, MIG differs between published implementations (estimator, "
            "factors included, bins) by as much as published gaps between models.",
        ),
        # --- dSprites experiments -----------------------------------------------------------
        _c(
            "fig-5",
            "Figure 5",
            "dsprites",
            "Diagonal posteriors: MIG and AAS rise with beta and go with diagonality of the "
            "Eq. 6 terms (Spearman rho over the grid); full posteriors show no such trend.",
        ),
        _c(
            "fig-7",
            "Figure 7 / Appendix F",
            "dsprites",
            "Annealed beta (1 -> 0.001): lower held-out reconstruction error than beta = 1 "
            "and higher MIG than beta = 0.001.",
        ),
        _c(
            "rolinek-table2",
            "Rolinek et al. Table 2 (dSprites)",
            "dsprites",
            "Disent. score and DtO for VAE, beta-VAE and full-covariance beta-VAE (within 2 "
            "published sd; diagonal beta-VAE more orthogonal than full).",
        ),
        _c(
            "bhowal-table4",
            "Bhowal et al. Table 4 (dSprites)",
            "dsprites",
            "MIG for VAE and beta-VAE (within 2 published sd; beta-VAE above VAE).",
        ),
        # --- Faces ----------------------------------------------------------------------------
        _c(
            "faces",
            "Sec. 7 (faces)",
            "faces",
            "Diagonal posteriors give more diagonal Eq. 6 terms and more attribute-aligned "
            "latents than full posteriors at the same beta (attributes need CelebA).",
        ),
    ]
}


class ClaimFailed(AssertionError):
    """A claim of the paper did not hold within its tolerance.

    Examples
    --------
    >>> from seamlib import claims
    >>> issubclass(claims.ClaimFailed, AssertionError)  # a failed check fails the build
    True
    """


def _find_book_root(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / "_toc.yml").is_file():
            return folder
    return None


def ledger_dir() -> Path:
    """Folder holding the ledger files (see the module docstring for the search order).

    Examples
    --------
    >>> from seamlib import claims
    >>> folder = claims.ledger_dir()  # e.g. <book root>/_build/ledger
    """
    env = os.environ.get(LEDGER_ENV)
    if env:
        return Path(env)
    root = _find_book_root(Path.cwd().resolve())
    if root is not None:
        return root / "_build" / "ledger"
    return Path.home() / ".cache" / "seamlib" / "ledger"


def _as_float(x: Any) -> float | list[float]:
    arr = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr.ravel().tolist()


def _deviation(measured: np.ndarray, expected: np.ndarray, rel: bool) -> float:
    diff = np.abs(measured - expected)
    if rel:
        diff = diff / np.maximum(np.abs(expected), np.finfo(float).tiny)
    return float(np.max(diff)) if diff.size else 0.0


def _holds(measured: np.ndarray, expected: np.ndarray, op: str, tol: float, rel: bool) -> bool:
    if not (np.all(np.isfinite(measured))):
        return False
    slack = tol * np.abs(expected) if rel else tol
    if op == "==":
        return _deviation(measured, expected, rel) <= tol
    if op == "<=":
        return bool(np.all(measured <= expected + slack))
    if op == ">=":
        return bool(np.all(measured >= expected - slack))
    if op == "<":
        return bool(np.all(measured < expected + slack))
    return bool(np.all(measured > expected - slack))


def check(
    claim_id: str,
    measured: Any,
    expected: Any,
    tol: float = 0.0,
    *,
    op: str = "==",
    rel: bool = False,
    item: str = "",
    chapter: str | None = None,
    strict: bool = True,
    note: str = "",
) -> bool:
    """Check a numbered claim of the paper and record the result in the ledger.

    Parameters
    ----------
    claim_id
        A key of :data:`REGISTRY`, e.g. ``"eq3"``.
    measured, expected
        Scalars or arrays (numpy, torch or nested lists) of the same shape, or ``expected``
        a scalar broadcast against ``measured``.
    tol
        Tolerance. With ``op="=="`` the claim holds if ``max |measured - expected| <= tol``
        (relative to ``|expected|`` when ``rel=True``); with an inequality, ``tol`` is slack
        in the claim's favour, e.g. ``op=">="`` holds if ``measured >= expected - tol``.
    op
        One of ``"=="``, ``"<="``, ``">="``, ``"<"``, ``">"``.
    rel
        Relative instead of absolute tolerance.
    item
        What exactly is checked, when a claim has several parts (shown in the ledger).
    chapter
        Chapter recording the check; defaults to the claim's chapter in the registry.
    strict
        If ``True`` (default) a failed check raises :class:`ClaimFailed`. ``False`` records
        it as "not reproduced" and returns ``False``: for claims reported whatever the
        numbers show (trained-model trends, published tables).
    note
        Free text shown in the ledger (e.g. which data set produced the number).

    Returns
    -------
    bool
        Whether the claim held.

    Raises
    ------
    KeyError
        ``claim_id`` is not in the registry (the message lists the known ids).
    ValueError
        ``op`` unknown, ``tol`` negative or not finite.
    ClaimFailed
        ``strict`` and the claim did not hold; the message names the claim, the item,
        the measured and expected values and the size of the miss.

    Examples
    --------
    A temporary ledger keeps this example out of the book's ledger:

    >>> import os, tempfile
    >>> from unittest import mock
    >>> from seamlib import claims
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with mock.patch.dict(os.environ, {"SEAMLIB_LEDGER_DIR": tmp}):
    ...         claims.check("eq3", measured=1e-12, expected=0.0, tol=1e-10, item="example")
    True
    """
    if claim_id not in REGISTRY:
        raise KeyError(
            f"Unknown claim id {claim_id!r}. Known ids: {', '.join(REGISTRY)}. "
            "Add the claim to seamlib.claims.REGISTRY before checking it."
        )
    if op not in _OPS:
        raise ValueError(f"Unknown comparison op={op!r}; expected one of {_OPS}.")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}.")
    claim = REGISTRY[claim_id]
    m_val = _as_float(measured)
    e_val = _as_float(expected)
    m_arr = np.asarray(m_val, dtype=float)
    e_arr = np.broadcast_to(np.asarray(e_val, dtype=float), m_arr.shape)
    passed = _holds(m_arr, e_arr, op, tol, rel)
    deviation = _deviation(m_arr, e_arr, rel) if np.all(np.isfinite(m_arr)) else math.inf
    record = {
        "claim": claim_id,
        "name": claim.name,
        "item": item,
        "chapter": chapter or claim.chapter,
        "measured": m_val,
        "expected": e_val,
        "op": op,
        "tol": tol,
        "rel": rel,
        "deviation": deviation,
        "passed": passed,
        "strict": strict,
        "profile": profile_name(),
        "note": note,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _record(record)
    if strict and not passed:
        kind = "relative" if rel else "absolute"
        raise ClaimFailed(
            f"Claim {claim.name} [{claim_id}]{' (' + item + ')' if item else ''} failed: "
            f"measured {_fmt(m_val)} {op} expected {_fmt(e_val)} with {kind} tolerance "
            f"{tol:g} does not hold (largest {kind} deviation {deviation:.3g})."
        )
    return passed


def _fmt(x: float | list[float]) -> str:
    if isinstance(x, list):
        head = ", ".join(f"{v:.6g}" for v in x[:4])
        return f"[{head}{', ...' if len(x) > 4 else ''}]"
    return f"{x:.6g}"


def _record(record: dict[str, Any]) -> None:
    folder = ledger_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['chapter']}.jsonl"
    key = (record["claim"], record["item"], record["profile"])
    kept = [r for r in _read_file(path) if (r["claim"], r["item"], r["profile"]) != key]
    kept.append(record)
    # atomic replace: a half-written ledger never appears, even if two kernels race
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in kept)
    os.replace(tmp, path)


def _read_file(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_ledger(folder: Path | None = None) -> list[dict[str, Any]]:
    """All records in the ledger folder (default :func:`ledger_dir`), sorted by claim order.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from seamlib import claims
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     claims.read_ledger(Path(tmp))  # an empty folder holds no records
    []
    """
    folder = folder if folder is not None else ledger_dir()
    records: list[dict[str, Any]] = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        records.extend(_read_file(path))
    order = {cid: i for i, cid in enumerate(REGISTRY)}
    return sorted(records, key=lambda r: (order.get(r["claim"], len(order)), r["item"]))


def summarise(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per registry claim: status and the recorded checks.

    Status is ``"checked"`` when every recorded check passed, ``"not reproduced"`` when a
    non-strict check failed, ``"failed"`` when a strict check failed, and
    ``"not yet checked"`` when no chapter recorded a check.

    Examples
    --------
    >>> from seamlib import claims
    >>> rows = claims.summarise([])
    >>> rows[0]["id"], rows[0]["status"]
    ('eq2', 'not yet checked')
    """
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_claim.setdefault(r["claim"], []).append(r)
    rows = []
    for cid, claim in REGISTRY.items():
        recs = by_claim.get(cid, [])
        if not recs:
            status = "not yet checked"
        elif all(r["passed"] for r in recs):
            status = "checked"
        elif any((not r["passed"]) and r["strict"] for r in recs):
            status = "failed"
        else:
            status = "not reproduced"
        rows.append({**asdict(claim), "status": status, "checks": recs})
    return rows
