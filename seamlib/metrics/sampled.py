"""Scores that draw their own data from a ground-truth sampler: the beta-VAE score (Higgins
et al., 2017) and the FactorVAE score (Kim & Mnih, 2018), as disentanglement_lib computes
them.

Both need fresh batches with one factor held fixed, so they take a *sampler* (anything with
``num_factors``, ``sample_factors(num, random_state)`` and
``sample_observations_from_factors(factors, random_state)``, disentanglement_lib's
``GroundTruthData`` interface) and a representation function mapping a batch of
observations (b, ...) to codes (b, d). :class:`FactorGrid` is such a sampler for a grid of
discrete factors. The ``random_state`` (a ``numpy.random.RandomState``, as in
disentanglement_lib) is consumed in disentanglement_lib's order, so with the same seed and
sampler the scores equal its ``compute_beta_vae_sklearn`` and ``compute_factor_vae``; the
codes are computed in one call per set rather than one per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from seamlib.metrics._validate import Array

__all__ = [
    "GroundTruthSampler",
    "FactorGrid",
    "SampledScore",
    "beta_vae_score",
    "factor_vae_score",
]

Representation = Callable[[np.ndarray], np.ndarray]


class GroundTruthSampler(Protocol):
    """What the sampled scores need of a data set (disentanglement_lib's interface).

    Examples
    --------
    >>> from seamlib import metrics
    >>> sampler: metrics.GroundTruthSampler = metrics.FactorGrid([2, 3])
    >>> sampler.num_factors
    2
    """

    @property
    def num_factors(self) -> int: ...

    def sample_factors(self, num: int, random_state: np.random.RandomState) -> np.ndarray: ...

    def sample_observations_from_factors(
        self, factors: np.ndarray, random_state: np.random.RandomState
    ) -> np.ndarray: ...


class FactorGrid:
    """Discrete factors on a grid, observed as their values scaled to [0, 1] plus noise.

    ``sample_factors`` draws each factor uniformly from ``0..size-1`` (one
    ``random_state.randint(size, size=num)`` per factor, disentanglement_lib's
    ``SplitDiscreteStateSpace``); the observation of factors ``f`` is ``f / (size - 1) +
    noise * random_state.randn(num, K)``.

    Parameters
    ----------
    factor_sizes : sequence of int, each >= 2
    noise : float
        Standard deviation of the observation noise.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> grid = metrics.FactorGrid([3, 4])
    >>> f = grid.sample_factors(5, np.random.RandomState(0))
    >>> f.shape, int(f[:, 1].max()) < 4
    ((5, 2), True)
    """

    def __init__(self, factor_sizes: Sequence[int], noise: float = 0.0) -> None:
        sizes = [int(s) for s in factor_sizes]
        if not sizes or min(sizes) < 2:
            raise ValueError(f"factor_sizes needs at least one factor, each >= 2; got {sizes}.")
        self.factor_sizes = sizes
        self.noise = float(noise)

    @property
    def num_factors(self) -> int:
        return len(self.factor_sizes)

    def sample_factors(self, num: int, random_state: np.random.RandomState) -> NDArray[np.int64]:
        factors = np.zeros((num, self.num_factors), dtype=np.int64)
        for k, size in enumerate(self.factor_sizes):
            factors[:, k] = random_state.randint(size, size=num)
        return factors

    def sample_observations_from_factors(
        self, factors: np.ndarray, random_state: np.random.RandomState
    ) -> Array:
        obs = factors / (np.asarray(self.factor_sizes, dtype=float) - 1.0)
        if self.noise:
            obs = obs + self.noise * random_state.randn(*obs.shape)
        return np.asarray(obs, dtype=np.float64)

    def sample(self, num: int, random_state: np.random.RandomState) -> tuple[np.ndarray, Array]:
        factors = self.sample_factors(num, random_state)
        return factors, self.sample_observations_from_factors(factors, random_state)

    def sample_observations(self, num: int, random_state: np.random.RandomState) -> Array:
        return self.sample(num, random_state)[1]


class SampledScore(NamedTuple):
    """Train and evaluation accuracy of a sampled score.

    Examples
    --------
    >>> from seamlib import metrics
    >>> metrics.SampledScore(train_accuracy=1.0, eval_accuracy=0.9).eval_accuracy
    0.9
    """

    train_accuracy: float
    eval_accuracy: float


def _check(data: GroundTruthSampler, batch_size: int, **counts: int) -> None:
    if data.num_factors < 1:
        raise ValueError("the sampler has no factors.")
    if batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (variances need 2 points), got {batch_size}.")
    for name, value in counts.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}.")


def _codes(representation: Representation, obs: np.ndarray, rows: int) -> Array:
    codes = np.asarray(representation(obs), dtype=np.float64)
    if codes.ndim != 2 or codes.shape[0] != rows:
        raise ValueError(
            f"the representation function must map {rows} observations to codes of shape "
            f"({rows}, d); got shape {codes.shape}."
        )
    if not np.all(np.isfinite(codes)):
        raise ValueError("the representation function returned NaN or inf codes.")
    return codes


def _beta_vae_set(
    data: GroundTruthSampler,
    representation: Representation,
    batch_size: int,
    num_points: int,
    random_state: np.random.RandomState,
) -> tuple[Array, NDArray[np.int64]]:
    labels = np.zeros(num_points, dtype=np.int64)
    obs1, obs2 = [], []
    for i in range(num_points):  # disentanglement_lib's order of draws
        labels[i] = random_state.randint(data.num_factors)
        f1 = data.sample_factors(batch_size, random_state)
        f2 = data.sample_factors(batch_size, random_state)
        f2[:, labels[i]] = f1[:, labels[i]]
        obs1.append(data.sample_observations_from_factors(f1, random_state))
        obs2.append(data.sample_observations_from_factors(f2, random_state))
    rows = num_points * batch_size
    z1 = _codes(representation, np.concatenate(obs1), rows)
    z2 = _codes(representation, np.concatenate(obs2), rows)
    diff = np.abs(z1 - z2).reshape(num_points, batch_size, -1)
    return diff.mean(axis=1), labels


def beta_vae_score(
    data: GroundTruthSampler,
    representation: Representation,
    *,
    random_state: np.random.RandomState,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
) -> SampledScore:
    """The beta-VAE disentanglement score (Higgins et al., 2017), as disentanglement_lib.

    Each point picks a factor k at random and two batches of ``batch_size`` factor vectors
    that agree on factor k only; its feature is the mean over the batch of ``|z(x1) -
    z(x2)|`` (d,), its label k. A logistic regression (scikit-learn defaults) learns k from
    the features of ``num_train`` points; the score is its accuracy on ``num_eval`` fresh
    points. Equals disentanglement_lib's ``beta_vae.compute_beta_vae_sklearn`` (defaults
    from its ``beta_vae_sklearn.gin``) for the same sampler, representation and seed.

    Parameters
    ----------
    data : GroundTruthSampler
        e.g. :class:`FactorGrid`.
    representation : callable, (b, ...) observations -> (b, d) codes
    random_state : numpy.random.RandomState
        Source of every draw, in disentanglement_lib's order.
    batch_size, num_train, num_eval : int

    Returns
    -------
    SampledScore
        Training and evaluation accuracy.

    References
    ----------
    Higgins et al. (2017), *beta-VAE: learning basic visual concepts with a constrained
    variational framework*.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> grid = metrics.FactorGrid([4, 4], noise=0.01)
    >>> score = metrics.beta_vae_score(grid, lambda x: x, random_state=np.random.RandomState(0),
    ...                                batch_size=8, num_train=50, num_eval=20)
    >>> score.eval_accuracy
    1.0
    """
    from sklearn.linear_model import LogisticRegression

    _check(data, batch_size, num_train=num_train, num_eval=num_eval)
    x_tr, y_tr = _beta_vae_set(data, representation, batch_size, num_train, random_state)
    model = LogisticRegression(random_state=random_state)
    model.fit(x_tr, y_tr)
    train_acc = float(np.mean(model.predict(x_tr) == y_tr))
    x_ev, y_ev = _beta_vae_set(data, representation, batch_size, num_eval, random_state)
    return SampledScore(train_acc, float(model.score(x_ev, y_ev)))


def _factor_vae_votes(
    data: GroundTruthSampler,
    representation: Representation,
    batch_size: int,
    num_points: int,
    random_state: np.random.RandomState,
    scale: Array,
    active: NDArray[np.bool_],
) -> NDArray[np.int64]:
    fixed = np.zeros(num_points, dtype=np.int64)
    obs = []
    for i in range(num_points):  # disentanglement_lib's order of draws
        fixed[i] = random_state.randint(data.num_factors)
        f = data.sample_factors(batch_size, random_state)
        f[:, fixed[i]] = f[0, fixed[i]]
        obs.append(data.sample_observations_from_factors(f, random_state))
    z = _codes(representation, np.concatenate(obs), num_points * batch_size)
    local = z.reshape(num_points, batch_size, -1).var(axis=1, ddof=1)
    # the index among the *active* latents, as disentanglement_lib votes
    argmin = np.argmin(local[:, active] / scale[active], axis=1)
    votes = np.zeros((data.num_factors, scale.shape[0]), dtype=np.int64)
    np.add.at(votes, (fixed, argmin), 1)
    return votes


def factor_vae_score(
    data: GroundTruthSampler,
    representation: Representation,
    *,
    random_state: np.random.RandomState,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    num_variance_estimate: int = 10_000,
    prune_threshold: float = 0.05,
) -> SampledScore:
    """The FactorVAE disentanglement score (Kim & Mnih, 2018), as disentanglement_lib.

    Latents are scaled by their standard deviation over ``num_variance_estimate`` samples;
    latents whose standard deviation is below ``prune_threshold`` (collapsed to the prior)
    are left out. Each point fixes a random factor k in a batch of ``batch_size`` and votes
    for the (active) latent of least scaled variance; the majority-vote classifier maps each
    latent to the factor it was voted for most on ``num_train`` points, and the score is
    its accuracy on ``num_eval`` fresh points (0 when no latent is active). Equals
    disentanglement_lib's ``factor_vae.compute_factor_vae`` (defaults from its
    ``factor_vae_metric.gin``) for the same sampler, representation and seed.

    Parameters
    ----------
    data : GroundTruthSampler
    representation : callable, (b, ...) observations -> (b, d) codes
    random_state : numpy.random.RandomState
    batch_size, num_train, num_eval, num_variance_estimate : int
    prune_threshold : float
        Minimum standard deviation of an active latent.

    Returns
    -------
    SampledScore

    References
    ----------
    Kim & Mnih (2018), *Disentangling by factorising*.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> grid = metrics.FactorGrid([4, 4], noise=0.01)
    >>> score = metrics.factor_vae_score(grid, lambda x: x,
    ...     random_state=np.random.RandomState(0), batch_size=8, num_train=50, num_eval=20,
    ...     num_variance_estimate=200)
    >>> score.eval_accuracy
    1.0
    """
    _check(
        data,
        batch_size,
        num_train=num_train,
        num_eval=num_eval,
        num_variance_estimate=num_variance_estimate,
    )
    if num_variance_estimate < 2:
        raise ValueError("num_variance_estimate must be >= 2.")
    factors = data.sample_factors(num_variance_estimate, random_state)
    obs = data.sample_observations_from_factors(factors, random_state)
    variances = _codes(representation, obs, num_variance_estimate).var(axis=0, ddof=1)
    active = np.sqrt(variances) >= prune_threshold
    if not active.any():
        return SampledScore(0.0, 0.0)
    args = (representation, batch_size)
    train = _factor_vae_votes(data, *args, num_train, random_state, variances, active)
    classifier = np.argmax(train, axis=0)
    cols = np.arange(train.shape[1])
    train_acc = float(np.sum(train[classifier, cols]) / np.sum(train))
    ev = _factor_vae_votes(data, *args, num_eval, random_state, variances, active)
    return SampledScore(train_acc, float(np.sum(ev[classifier, cols]) / np.sum(ev)))
