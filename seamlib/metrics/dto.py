"""Distance to orthogonality and the nearest signed permutation (Rolinek et al., 2019)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from seamlib.align import assignment
from seamlib.metrics._validate import Array, check_matrix

__all__ = [
    "nearest_signed_permutation",
    "nearest_signed_permutation_milp",
    "dto",
]


# --------------------------------------------------------------------------------------
# Distance to orthogonality (Rolinek et al., 2019)
# --------------------------------------------------------------------------------------
def _square(v: ArrayLike) -> Array:
    """``v`` as a finite float64 square matrix, or a ValueError."""
    a = check_matrix(v, "v")
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"v must be square, got shape {a.shape}.")
    return a


def nearest_signed_permutation(v: ArrayLike) -> Array:
    """The signed permutation matrix closest to ``v`` in the L1 sense (Rolinek et al. S72).

    For a signed permutation ``P`` with ``P[i, pi(i)] = s_i``, ``sum |V - P|`` equals
    ``sum |V| + sum_i (|V[i, pi(i)] - s_i| - |V[i, pi(i)]|)``; the best sign is
    ``s_i = sign V[i, pi(i)]`` and the cost of the pair is ``||V_ij| - 1| - |V_ij|``. So the
    MILP of Suppl. 8.2 is a linear assignment problem, solved exactly in O(d^3) by
    :func:`seamlib.align.assignment`.

    Parameters
    ----------
    v : array, shape (d, d)

    Returns
    -------
    ndarray, shape (d, d), entries in {-1, 0, 1}.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.nearest_signed_permutation(np.array([[0.1, -0.9], [0.8, 0.2]])).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    a = _square(v)
    mag = np.abs(a)
    cost = np.abs(mag - 1.0) - mag
    rows, cols = assignment(-cost)
    p = np.zeros_like(a)
    p[rows, cols] = np.where(a[rows, cols] < 0, -1.0, 1.0)
    return p


def nearest_signed_permutation_milp(v: ArrayLike) -> Array:
    """Reference: Rolinek et al.'s MILP (Suppl. 8.2, Eq. S75) solved by ``scipy.optimize.milp``.

    Variables ``P+, P- in {0, 1}`` and ``D >= 0`` (d x d each); minimise ``sum D`` subject to
    ``|(P+ - P-) - V| <= D`` and one unit of ``P+ + P-`` per row and column. Exponential in
    the worst case; :func:`nearest_signed_permutation` gives the same answer in O(d^3).

    Parameters
    ----------
    v : array, shape (d, d)

    Returns
    -------
    ndarray, shape (d, d), entries in {-1, 0, 1}: the matrix
    :func:`nearest_signed_permutation` returns.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.array([[0.1, -0.9], [0.8, 0.2]])
    >>> metrics.nearest_signed_permutation_milp(v).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    a = _square(v)
    d = a.shape[0]
    q = d * d
    eye = np.eye(q)
    # x = [P+ (q), P- (q), D (q)], row-major entries (i, j)
    upper = np.hstack([eye, -eye, -eye])  # (P+ - P-) - D <= V
    lower = np.hstack([-eye, eye, -eye])  # -(P+ - P-) - D <= -V
    rows = np.kron(np.eye(d), np.ones((1, d)))  # sum_j for each row i
    cols = np.kron(np.ones((1, d)), np.eye(d))  # sum_i for each column j
    sums = np.vstack(
        [np.hstack([rows, rows, np.zeros((d, q))]), np.hstack([cols, cols, np.zeros((d, q))])]
    )
    constraints = [
        optimize.LinearConstraint(upper, -np.inf, a.ravel()),
        optimize.LinearConstraint(lower, -np.inf, -a.ravel()),
        optimize.LinearConstraint(sums, 1.0, 1.0),
    ]
    cost = np.concatenate([np.zeros(2 * q), np.ones(q)])
    integrality = np.concatenate([np.ones(2 * q), np.zeros(q)])
    bounds = optimize.Bounds(np.zeros(3 * q), np.concatenate([np.ones(2 * q), np.full(q, np.inf)]))
    res = optimize.milp(cost, constraints=constraints, integrality=integrality, bounds=bounds)
    if not res.success:  # pragma: no cover - HiGHS solves these small problems
        raise RuntimeError(f"MILP failed: {res.message}")
    x = np.round(res.x)
    return np.asarray((x[:q] - x[q : 2 * q]).reshape(d, d))


def dto(v: ArrayLike, *, jacobian: bool = False, atol: float = 1e-6) -> float:
    """Distance to orthogonality (Rolinek et al., 2019, Eq. 29).

    ``DtO = (1/N) sum_i ||V_i - P(V_i)||_F`` where ``J_i = U_i S_i V_i^T`` is the SVD of the
    decoder Jacobian at point i and ``P(V)`` the nearest signed permutation
    (:func:`nearest_signed_permutation`). It is 0 exactly when every ``V_i`` is a signed
    permutation, i.e. the Jacobian columns are orthogonal.

    Parameters
    ----------
    v : array, shape (d, d) or (N, d, d); or (N, m, d) / (m, d) with ``jacobian=True``
        Orthogonal matrices V_i, or Jacobians whose right singular vectors are used.
    jacobian : bool
        Take ``V_i`` from the SVD of each ``v[i]`` (shape (m, d), m >= d).
    atol : float
        Tolerance of the orthonormality check ``V^T V = I`` for ``jacobian=False``.

    Returns
    -------
    float, the mean over the N matrices; in ``[0, sqrt(2 d)]``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.dto(np.eye(3))  # a signed permutation
    0.0
    >>> metrics.dto(np.diag([3.0, 1.0]), jacobian=True)  # orthogonal Jacobian columns
    0.0
    """
    arr = np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    mats = check_matrix(arr, "v", ndim=3)
    if jacobian:
        if mats.shape[1] < mats.shape[2]:
            raise ValueError(
                f"Jacobians must have shape (N, m, d) with m >= d, got {mats.shape}; "
                "pass J with one row per output and one column per latent."
            )
        vt = np.linalg.svd(mats, full_matrices=False)[2]
        mats = np.swapaxes(vt, 1, 2)
    else:
        if mats.shape[1] != mats.shape[2]:
            raise ValueError(
                f"V must be square (N, d, d), got {mats.shape}. If these are Jacobians, pass "
                "jacobian=True to take V from their SVD."
            )
        eye = np.eye(mats.shape[2])
        err = np.max(np.abs(np.swapaxes(mats, 1, 2) @ mats - eye))
        if err > atol:
            raise ValueError(
                f"V is not orthogonal (max |V^T V - I| = {err:.3g} > atol={atol:g}). DtO is "
                "defined for the right singular vectors V of a Jacobian: pass the Jacobians "
                "with jacobian=True, or raise atol for nearly orthogonal input."
            )
    dist = [np.linalg.norm(m - nearest_signed_permutation(m)) for m in mats]
    return float(np.mean(dist))
