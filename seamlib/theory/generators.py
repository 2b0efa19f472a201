"""Ground-truth generators ``g: R^d -> R^m`` with known geometry (Allen 2025, Sec. 5).

Each generator is a callable mapping latents ``z`` of shape (n, d) to points ``x`` of shape
(n, m), made of torch operations (so :func:`seamlib.theory.jacobian.jacobian` can differentiate it)
and with a closed-form Jacobian :meth:`Generator.jacobian` to test against.

``c1c2``
    Satisfies C1 and C2 (Lemma 4.1): latent 1 draws a parabola ``(a z_1, b z_1^2)`` in its own
    plane, every other latent ``k`` moves along its own axis with a non-linear speed
    ``psi_k(z_k) = c_k (z_k + kappa tanh z_k)``. Columns of ``J`` lie in orthogonal subspaces
    (C1, ``V_z = I``) and ``s^i`` depends on ``z_i`` only (C2). For d = 2 the manifold is a
    parabolic cylinder in R^3.
``c1_only``
    Satisfies C1 but not C2 ("polar-like"): a surface of revolution
    ``(r(z_1) cos(w z_2), r(z_1) sin(w z_2), h z_1)`` with ``r = exp(lambda z_1)``; the columns
    of ``J`` are orthogonal but ``s^2 = w r(z_1)`` depends on the *other* latent.
``neither``
    A seeded random tanh MLP: the graph ``(B z, W_2 tanh(W_1 z + b))`` rotated by a random
    orthogonal matrix (a graph is injective); satisfies neither C1 nor C2.
``linear``
    ``g(z) = W z`` for a given matrix ``W`` of shape (m, d).

Singular values of ``c1c2`` and ``c1_only`` stay ordered (``s^1 > s^2 > ...``) for
``|z| <= 4``, so the whole bulk of the standard Gaussian prior lies in one connected
component of the regular set (Def. D2).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "Generator",
    "c1c2",
    "c1_only",
    "neither",
    "linear",
    "sample",
    "uniform_laplace_sources",
]


class Generator:
    """Base class: a map ``g: R^d -> R^m`` with a closed-form Jacobian.

    Attributes
    ----------
    name : str
    d, m : int
        Latent and data dimensions.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import generators
    >>> g = generators.c1c2(d=2)  # every generator of this module is a Generator
    >>> tuple(g(torch.zeros(4, 2)).shape), tuple(g.jacobian(torch.zeros(4, 2)).shape)
    ((4, 3), (4, 3, 2))
    """

    name: str = "generator"

    def __init__(self, d: int, m: int) -> None:
        if d < 1 or m < d:
            raise ValueError(f"Need 1 <= d <= m for an immersion, got d={d}, m={m}.")
        self.d = d
        self.m = m

    def _check(self, z: Tensor) -> Tensor:
        if not isinstance(z, Tensor) or z.ndim != 2 or z.shape[1] != self.d:
            shape = tuple(z.shape) if isinstance(z, Tensor) else type(z).__name__
            raise ValueError(
                f"{self.name} expects latents of shape (n, {self.d}), got {shape}. "
                "Fix: pass a 2-D tensor with one latent point per row."
            )
        return z

    def forward(self, z: Tensor) -> Tensor:
        """``g(z)``, shape (n, m)."""
        raise NotImplementedError

    def jacobian(self, z: Tensor) -> Tensor:
        """Closed-form Jacobian ``dg/dz``, shape (n, m, d)."""
        raise NotImplementedError

    def __call__(self, z: Tensor) -> Tensor:
        return self.forward(self._check(z))

    def __repr__(self) -> str:
        return f"{self.name}(d={self.d}, m={self.m})"


def _const(a: np.ndarray | Tensor, like: Tensor) -> Tensor:
    return torch.as_tensor(a, dtype=like.dtype, device=like.device)


def _axis_speeds(d: int) -> list[float]:
    # c_k for latents k >= 2: ranges [c_k, 1.8 c_k] do not overlap (halving), below s^1 >= 1.5
    return [0.6 * 0.5**k for k in range(d - 1)]


class _C1C2(Generator):
    name = "c1c2"

    def __init__(self, d: int, a: float, b: float, kappa: float, Q: np.ndarray | None) -> None:
        super().__init__(d, d + 1)
        self.a, self.b, self.kappa = a, b, kappa
        self.c = _axis_speeds(d)
        self.Q = Q

    def _rotate(self, x: Tensor) -> Tensor:
        return x if self.Q is None else x @ _const(self.Q, x).T

    def forward(self, z: Tensor) -> Tensor:
        cols = [self.a * z[:, 0], self.b * z[:, 0] ** 2]
        for k, c in enumerate(self.c, start=1):
            cols.append(c * (z[:, k] + self.kappa * torch.tanh(z[:, k])))
        return self._rotate(torch.stack(cols, dim=-1))

    def jacobian(self, z: Tensor) -> Tensor:
        z = self._check(z)
        n = z.shape[0]
        J = z.new_zeros(n, self.m, self.d)
        J[:, 0, 0] = self.a
        J[:, 1, 0] = 2 * self.b * z[:, 0]
        for k, c in enumerate(self.c, start=1):
            J[:, k + 1, k] = c * (1 + self.kappa / torch.cosh(z[:, k]) ** 2)
        return J if self.Q is None else _const(self.Q, z) @ J


def c1c2(
    d: int = 2, *, a: float = 1.5, b: float = 0.5, kappa: float = 0.8, seed: int | None = None
) -> Generator:
    """A curved generator satisfying C1 and C2 (see the module docstring).

    Parameters
    ----------
    d
        Latent dimension (m = d + 1).
    a, b
        The parabola ``(a z_1, b z_1^2)``: ``s^1 = sqrt(a^2 + 4 b^2 z_1^2)``.
    kappa
        Non-linearity of the other latents' speeds ``c_k (1 + kappa sech^2 z_k)``.
    seed
        If given, the output is rotated by a random orthogonal ``m x m`` matrix (C1 and C2
        are invariant to it); ``None`` keeps the axis-aligned form.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import generators
    >>> g = generators.c1c2(d=2)
    >>> g(torch.tensor([[1.0, 0.0]])).tolist()  # (a z_1, b z_1^2, 0)
    [[1.5, 0.5, 0.0]]
    """
    Q = None
    if seed is not None:
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((d + 1, d + 1)))
    return _C1C2(d, a, b, kappa, Q)


class _C1Only(Generator):
    name = "c1_only"

    def __init__(self, d: int, lam: float, omega: float, h: float, kappa: float) -> None:
        if d < 2:
            raise ValueError(f"c1_only needs d >= 2 (two latents interact), got d={d}.")
        super().__init__(d, d + 1)
        self.lam, self.omega, self.h, self.kappa = lam, omega, h, kappa
        self.c = [0.3 * 0.5**k for k in range(d - 2)]

    def forward(self, z: Tensor) -> Tensor:
        r = torch.exp(self.lam * z[:, 0])
        th = self.omega * z[:, 1]
        cols = [r * torch.cos(th), r * torch.sin(th), self.h * z[:, 0]]
        for k, c in enumerate(self.c, start=2):
            cols.append(c * (z[:, k] + self.kappa * torch.tanh(z[:, k])))
        return torch.stack(cols, dim=-1)

    def jacobian(self, z: Tensor) -> Tensor:
        z = self._check(z)
        n = z.shape[0]
        r = torch.exp(self.lam * z[:, 0])
        th = self.omega * z[:, 1]
        J = z.new_zeros(n, self.m, self.d)
        J[:, 0, 0] = self.lam * r * torch.cos(th)
        J[:, 1, 0] = self.lam * r * torch.sin(th)
        J[:, 2, 0] = self.h
        J[:, 0, 1] = -self.omega * r * torch.sin(th)
        J[:, 1, 1] = self.omega * r * torch.cos(th)
        for k, c in enumerate(self.c, start=2):
            J[:, k + 1, k] = c * (1 + self.kappa / torch.cosh(z[:, k]) ** 2)
        return J


def c1_only(
    d: int = 2, *, lam: float = 0.5, omega: float = 0.5, h: float = 2.0, kappa: float = 0.8
) -> Generator:
    """A surface of revolution satisfying C1 but not C2 (see the module docstring).

    ``s^1 = sqrt(lam^2 r^2 + h^2)`` and ``s^2 = omega r`` with ``r = exp(lam z_1)``: the second
    singular value depends on the first latent. Extra latents (d > 2) move along their own
    axes as in :func:`c1c2`. m = d + 1.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import generators
    >>> g = generators.c1_only(d=2)
    >>> g(torch.zeros(1, 2)).tolist()  # r = 1, angle 0, height 0
    [[1.0, 0.0, 0.0]]
    """
    return _C1Only(d, lam, omega, h, kappa)


class _Neither(Generator):
    name = "neither"

    def __init__(
        self, Q: np.ndarray, B: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray
    ) -> None:
        super().__init__(B.shape[1], Q.shape[0])
        self.Q, self.B, self.W1, self.b1, self.W2 = Q, B, W1, b1, W2

    def forward(self, z: Tensor) -> Tensor:
        Q, B, W1, b1, W2 = (_const(p, z) for p in (self.Q, self.B, self.W1, self.b1, self.W2))
        graph = torch.cat([z @ B.T, torch.tanh(z @ W1.T + b1) @ W2.T], dim=-1)
        return graph @ Q.T

    def jacobian(self, z: Tensor) -> Tensor:
        z = self._check(z)
        Q, B, W1, b1, W2 = (_const(p, z) for p in (self.Q, self.B, self.W1, self.b1, self.W2))
        sech2 = 1 - torch.tanh(z @ W1.T + b1) ** 2  # (n, width)
        mlp_jac = (W2.unsqueeze(0) * sech2.unsqueeze(1)) @ W1  # (n, m - d, d)
        graph = torch.cat([B.expand(z.shape[0], -1, -1), mlp_jac], dim=1)
        return Q @ graph


def neither(
    d: int = 2,
    m: int = 3,
    *,
    width: int = 16,
    strength: float = 3.0,
    seed: int = 0,
) -> Generator:
    """A random tanh MLP satisfying neither C1 nor C2 (injective by construction).

    ``g(z) = Q [B z ; strength * W_2 tanh(W_1 z + b)]``: the graph of a random tanh MLP
    ``R^d -> R^{m-d}`` over a random linear chart ``B z`` (so ``g`` is injective), rotated by
    a random orthogonal ``Q``. ``B`` (d, d), ``W_1`` (width, d), ``b`` (width,),
    ``W_2`` (m - d, width) are Gaussian, drawn from ``numpy.random.default_rng(seed)``
    (``W_2`` scaled by ``1/sqrt(width)``); ``B`` is rescaled to singular values in [0.7, 1.4].

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import generators
    >>> g = generators.neither(d=2, m=3, seed=0)
    >>> tuple(g(torch.zeros(5, 2, dtype=torch.float64)).shape)
    (5, 3)
    """
    if m <= d:
        raise ValueError(
            f"neither needs m > d (the MLP fills the extra dimensions), got d={d}, m={m}."
        )
    if not (np.isfinite(strength) and strength >= 0):
        raise ValueError(f"strength must be a finite number >= 0, got {strength}.")
    rng = np.random.default_rng(seed)
    Ub, _, Vbt = np.linalg.svd(rng.standard_normal((d, d)))
    B = Ub @ np.diag(np.linspace(1.4, 0.7, d)) @ Vbt
    W1 = rng.standard_normal((width, d))
    b1 = rng.standard_normal(width)
    W2 = rng.standard_normal((m - d, width)) * strength / np.sqrt(width)
    Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    return _Neither(Q, B, W1, b1, W2)


class _Linear(Generator):
    name = "linear"

    def __init__(self, W: np.ndarray) -> None:
        super().__init__(W.shape[1], W.shape[0])
        self.W = W

    def forward(self, z: Tensor) -> Tensor:
        return z @ _const(self.W, z).T

    def jacobian(self, z: Tensor) -> Tensor:
        z = self._check(z)
        return _const(self.W, z).expand(z.shape[0], self.m, self.d)


def linear(W: np.ndarray | Tensor) -> Generator:
    """The linear generator ``g(z) = W z`` for ``W`` of shape (m, d), m >= d.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from seamlib.theory import generators
    >>> g = generators.linear(np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    >>> g(torch.ones(1, 2, dtype=torch.float64)).tolist()
    [[1.0, 2.0, 0.0]]
    """
    Wn = np.asarray(W.detach().cpu() if isinstance(W, Tensor) else W, dtype=np.float64)
    if Wn.ndim != 2:
        raise ValueError(f"W must be a matrix of shape (m, d), got shape {Wn.shape}.")
    if not np.all(np.isfinite(Wn)):
        raise ValueError("W contains NaN or inf.")
    return _Linear(Wn)


def sample(
    g: Generator,
    n: int,
    *,
    noise_std: float = 0.0,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> tuple[Tensor, Tensor]:
    """Draw ``z ~ N(0, I_d)`` and ``x = g(z) + noise_std * eps``.

    Returns
    -------
    z : Tensor, shape (n, d)
    x : Tensor, shape (n, m)

    Examples
    --------
    >>> from seamlib.theory import generators
    >>> z, x = generators.sample(generators.c1c2(d=2), 100, noise_std=0.05, seed=0)
    >>> tuple(z.shape), tuple(x.shape)
    ((100, 2), (100, 3))
    """
    if n < 1 or not math.isfinite(noise_std) or noise_std < 0:
        raise ValueError(f"Need n >= 1 and a finite noise_std >= 0, got n={n}, {noise_std}.")
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, g.d, generator=gen, dtype=dtype)
    x = g(z)
    if noise_std > 0:
        x = x + noise_std * torch.randn(x.shape, generator=gen, dtype=dtype)
    return z, x


def uniform_laplace_sources(n: int, seed: int) -> Tensor:
    """Two independent non-Gaussian unit-variance sources, shape (n, 2), float64: uniform
    (column 0) and Laplace (column 1, by its inverse CDF). The sources of blind source
    separation (Cor. 6.7).

    Examples
    --------
    >>> from seamlib.theory import generators
    >>> s = generators.uniform_laplace_sources(20_000, seed=0)
    >>> [round(v, 1) for v in s.var(0).tolist()], bool(s[:, 0].abs().max() <= 3**0.5)
    ([1.0, 1.0], True)
    """
    if n < 1:
        raise ValueError(f"Need n >= 1 sources, got n={n}.")
    gen = torch.Generator().manual_seed(seed)
    uniform = (2 * torch.rand(n, generator=gen, dtype=torch.float64) - 1) * math.sqrt(3)
    e = torch.rand(n, generator=gen, dtype=torch.float64) - 0.5
    laplace = -torch.sign(e) * torch.log1p(-2 * e.abs()) / math.sqrt(2)  # inverse CDF
    return torch.stack([uniform, laplace], -1)
