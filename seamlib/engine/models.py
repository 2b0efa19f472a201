"""Gaussian-posterior VAEs with diagonal or full covariance, and their architectures.

The posterior ``q(z|x) = N(mu(x), L(x) L(x)^T)`` is parameterised by its Cholesky factor ``L``
(lower triangular with positive diagonal). With ``posterior="diag"`` the factor is diagonal,
``L = diag(exp(log_sigma))``: the setting in which the paper shows that the decoder Jacobian
is pushed towards orthogonal columns (C1) and axis-wise singular values (C2). With
``posterior="full"`` the encoder also predicts the strictly lower triangle of ``L``.

KL to the standard Gaussian prior (closed form, any ``L``)::

    KL(N(mu, L L^T) || N(0, I)) = 1/2 (||L||_F^2 + ||mu||^2 - d) - sum_i log L_ii

Reparameterisation: ``z = mu + L eps`` with ``eps ~ N(0, I)``.

Architectures
-------------
``mlp``
    A plain MLP (``Linear`` + activation), for low-dimensional data.
``burgess_encoder`` / ``burgess_decoder``
    The 64x64 convolutional architecture of Burgess et al. (2018), as used by
    disentanglement_lib: four 4x4 stride-2 convolutions with 32 channels
    (64 -> 32 -> 16 -> 8 -> 4), two fully connected layers of 256 units, and the mirror image
    with transposed convolutions in the decoder; ReLU activations.
``rolinek_encoder`` / ``rolinek_decoder``
    The fully connected networks of Rolinek et al. (2019), Table S3 (biases everywhere,
    nonlinearities on hidden layers only; the data are flattened):

    ==================  =========================  ===============================  ===
    name                encoder hidden layers      decoder hidden layers            d
    ==================  =========================  ===============================  ===
    ``dsprites``        1200-1200 (ReLU)           1200-1200-1200 (Tanh)            5
    ``synth-lin``       none (linear)              none (linear)                    2
    ``synth-nonlin``    60-40-20 (Tanh)            60-40-20 (Tanh)                  2
    ``mnist``           400 (ReLU)                 500-500 (Tanh)                   6
    ==================  =========================  ===============================  ===

    (They train with AdaGrad at 1e-2 on dSprites/MNIST and Adam at 1e-3 on the synthetic
    sets; our engine uses Adam throughout.) The table's "Dec: 60-40-20" is listed in the
    same order as the encoder; we use it as written, from the latent side: d -> 60 -> 40
    -> 20 -> data.

Building from a configuration
-----------------------------
:func:`build_model` turns a :class:`ModelConfig` (architecture name, data shape, ``d``,
posterior, likelihood) into a :class:`VAE`; names are listed in :data:`ARCHITECTURES`:
``"burgess"`` (64x64 images, any number of channels), ``"rolinek-dsprites"``,
``"rolinek-synth-lin"``, ``"rolinek-synth-nonlin"``, ``"rolinek-mnist"`` (any data shape,
flattened) and ``"mlp"`` (hidden sizes from ``ModelConfig.hidden``, hidden nonlinearity one
of :data:`ACTIVATIONS`, tanh by default).

Likelihoods and the mean link
-----------------------------
``"bernoulli"``: the decoder outputs logits ``eta(z)``; the mean is ``sigmoid(eta)``.
``"gaussian"`` (fixed variance ``sigma2``): the mean is the decoder output
(``mean="identity"``) or its sigmoid (``mean="sigmoid"``, a mean in (0, 1) for data in
[0, 1]). :meth:`VAE.decode_mean` applies the link, so reconstructions, traversals and the
terms of Eq. 6 all see the same mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from seamlib.errors import ConfigError
from seamlib.theory.eq6 import Likelihood, MeanLink
from seamlib.theory.posterior import kl_standard_normal

__all__ = [
    "Posterior",
    "MEAN_LINKS",
    "GaussianPosterior",
    "VAE",
    "mlp",
    "burgess_encoder",
    "burgess_decoder",
    "n_posterior_params",
    "ARCHITECTURES",
    "ACTIVATIONS",
    "ROLINEK_TABLE_S3",
    "ModelConfig",
    "build_model",
    "rolinek_encoder",
    "rolinek_decoder",
]

Posterior = Literal["diag", "full"]
_POSTERIORS = ("diag", "full")
_LIKELIHOODS = ("gaussian", "bernoulli")
MEAN_LINKS: tuple[str, ...] = ("identity", "sigmoid")
"""Links from the decoder output to the Gaussian likelihood's mean (``mean=`` option)."""


def mean_link_error(likelihood: str, mean: str) -> str | None:
    """The message for an invalid (likelihood, mean link) pair, or None when it is valid."""
    if mean not in MEAN_LINKS:
        return (
            f"Unknown mean link {mean!r}; expected 'identity' (the decoder output is the "
            "Gaussian mean) or 'sigmoid' (the mean is sigmoid(decoder output))."
        )
    if likelihood == "bernoulli" and mean != "identity":
        return (
            f"mean={mean!r} is an option of the Gaussian likelihood: the Bernoulli decoder "
            "outputs logits and its mean is always their sigmoid. Drop the mean option (or "
            "--mean) for a Bernoulli VAE, or use likelihood 'gaussian'."
        )
    return None


def n_posterior_params(d: int, posterior: Posterior) -> int:
    """Number of encoder outputs for a ``d``-dimensional posterior: ``2d`` or ``d + d(d+1)/2``.

    Examples
    --------
    >>> from seamlib.engine import models
    >>> models.n_posterior_params(3, "diag"), models.n_posterior_params(3, "full")
    (6, 9)
    """
    _check_posterior(posterior)
    return 2 * d if posterior == "diag" else d + d * (d + 1) // 2


def _check_posterior(posterior: str) -> None:
    if posterior not in _POSTERIORS:
        raise ValueError(
            f"Unknown posterior {posterior!r}; expected 'diag' (diagonal covariance) or "
            "'full' (full covariance via a Cholesky factor)."
        )


@dataclass(frozen=True)
class GaussianPosterior:
    """A batch of Gaussian posteriors ``N(mean, scale_tril scale_tril^T)``.

    Attributes
    ----------
    mean : Tensor, shape (n, d)
    scale_tril : Tensor, shape (n, d, d)
        Lower-triangular Cholesky factor with positive diagonal.

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine import models
    >>> eye = torch.eye(2).expand(4, 2, 2)
    >>> q = models.GaussianPosterior(mean=torch.zeros(4, 2), scale_tril=eye)
    >>> q.kl().tolist()  # q is the prior itself
    [0.0, 0.0, 0.0, 0.0]
    """

    mean: Tensor
    scale_tril: Tensor

    @property
    def covariance(self) -> Tensor:
        """``L L^T``, shape (n, d, d)."""
        return self.scale_tril @ self.scale_tril.transpose(-1, -2)

    def rsample(self, generator: torch.Generator | None = None) -> Tensor:
        """Reparameterised sample ``mu + L eps``, shape (n, d)."""
        eps = torch.randn(
            self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype
        )
        return self.mean + (self.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def kl(self) -> Tensor:
        """KL divergence to ``N(0, I)`` per sample, shape (n,)."""
        return kl_standard_normal(self.mean, self.scale_tril)


def params_to_posterior(params: Tensor, d: int, posterior: Posterior) -> GaussianPosterior:
    """Split raw encoder outputs into a :class:`GaussianPosterior`.

    Parameters
    ----------
    params : Tensor, shape (n, n_posterior_params(d, posterior))
        ``[mean, log_diag, strictly_lower]``; ``log_diag`` is the log of the diagonal of L.
    """
    _check_posterior(posterior)
    mean, log_diag = params[:, :d], params[:, d : 2 * d]
    scale_tril = torch.diag_embed(log_diag.exp())
    if posterior == "full":
        rows, cols = torch.tril_indices(d, d, offset=-1, device=params.device)
        lower = torch.zeros_like(scale_tril)
        lower[:, rows, cols] = params[:, 2 * d :]
        scale_tril = scale_tril + lower
    return GaussianPosterior(mean=mean, scale_tril=scale_tril)


def mlp(
    sizes: list[int] | tuple[int, ...],
    activation: type[nn.Module] = nn.Tanh,
    final_activation: bool = False,
) -> nn.Sequential:
    """A multilayer perceptron with layer sizes ``sizes`` (input first, output last).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine import models
    >>> net = models.mlp([2, 64, 64, 5])  # 2-D latent -> 5-D data, tanh hidden layers
    >>> tuple(net(torch.zeros(3, 2)).shape)
    (3, 5)
    """
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least input and output sizes, got {sizes!r}.")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_activation:
            layers.append(activation())
    return nn.Sequential(*layers)


def burgess_encoder(out_features: int, in_channels: int = 1) -> nn.Sequential:
    """Burgess et al. (2018) conv encoder for 64x64 images -> ``out_features``.

    Layers: 4 x [Conv2d(32, 4x4, stride 2, pad 1) + ReLU] (64 -> 4 pixels), flatten (512),
    Linear 512->256 + ReLU, Linear 256->256 + ReLU, Linear 256->out_features.

    Input shape (n, in_channels, 64, 64); output shape (n, out_features).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine import models
    >>> enc = models.burgess_encoder(out_features=20)
    >>> tuple(enc(torch.zeros(2, 1, 64, 64)).shape)
    (2, 20)
    """
    chans = [in_channels, 32, 32, 32, 32]
    layers: list[nn.Module] = []
    for a, b in zip(chans[:-1], chans[1:]):
        layers += [nn.Conv2d(a, b, 4, stride=2, padding=1), nn.ReLU()]
    layers += [
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, out_features),
    ]
    return nn.Sequential(*layers)


def burgess_decoder(latent_dim: int, out_channels: int = 1) -> nn.Sequential:
    """Burgess et al. (2018) conv decoder ``latent_dim`` -> 64x64 images (logits or means).

    Layers: Linear d->256 + ReLU, Linear 256->256 + ReLU, Linear 256->512 + ReLU,
    reshape (32, 4, 4), 3 x [ConvTranspose2d(32, 4x4, stride 2, pad 1) + ReLU],
    ConvTranspose2d(32 -> out_channels) (4 -> 64 pixels).

    Input shape (n, latent_dim); output shape (n, out_channels, 64, 64).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine import models
    >>> dec = models.burgess_decoder(latent_dim=10)
    >>> tuple(dec(torch.zeros(2, 10)).shape)
    (2, 1, 64, 64)
    """
    layers: list[nn.Module] = [
        nn.Linear(latent_dim, 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, 32 * 4 * 4),
        nn.ReLU(),
        nn.Unflatten(1, (32, 4, 4)),
    ]
    for _ in range(3):
        layers += [nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1), nn.ReLU()]
    layers.append(nn.ConvTranspose2d(32, out_channels, 4, stride=2, padding=1))
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """A VAE with Gaussian posterior (diagonal or full covariance) and a fixed-form likelihood.

    Parameters
    ----------
    encoder
        Maps a batch of data ``(n, *data_shape)`` to (n, n_posterior_params(latent_dim, posterior)).
    decoder
        Maps latents (n, latent_dim) to the likelihood's mean (Gaussian) or logits (Bernoulli),
        shape ``(n, *data_shape)``.
    latent_dim
        ``d``.
    posterior
        ``"diag"`` or ``"full"``.
    likelihood
        ``"gaussian"`` with fixed variance ``sigma2`` or ``"bernoulli"``.
    sigma2
        Variance of the Gaussian likelihood.
    mean
        Link from the decoder output to the Gaussian likelihood's mean: ``"identity"``
        (default) or ``"sigmoid"``. The Bernoulli likelihood takes ``"identity"`` only (its
        mean is always the sigmoid of the logits).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.models import VAE, mlp
    >>> vae = VAE(mlp([5, 64, 4]), mlp([2, 64, 5]), latent_dim=2, posterior="diag")
    >>> gen = torch.Generator().manual_seed(0)
    >>> loss, parts = vae.loss(torch.zeros(8, 5), beta=1.0, generator=gen)
    >>> sorted(parts)
    ['elbo', 'kl', 'nll']
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        latent_dim: int,
        posterior: Posterior = "diag",
        likelihood: Likelihood = "gaussian",
        sigma2: float = 1.0,
        mean: MeanLink = "identity",
    ) -> None:
        super().__init__()
        _check_posterior(posterior)
        if likelihood not in _LIKELIHOODS:
            raise ValueError(
                f"Unknown likelihood {likelihood!r}; expected 'gaussian' or 'bernoulli'."
            )
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}.")
        if not sigma2 > 0:
            raise ValueError(f"sigma2 must be > 0, got {sigma2}.")
        problem = mean_link_error(likelihood, mean)
        if problem is not None:
            raise ValueError(problem)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = latent_dim
        self.posterior: Posterior = posterior
        self.likelihood: Likelihood = likelihood
        self.sigma2 = float(sigma2)
        self.mean: MeanLink = mean

    def encode(self, x: Tensor) -> GaussianPosterior:
        """Posterior ``q(z|x)`` for a batch ``x`` of shape (n, ...)."""
        return params_to_posterior(self.encoder(x), self.latent_dim, self.posterior)

    def decode(self, z: Tensor) -> Tensor:
        """Raw decoder output for ``z`` of shape (n, d): the Bernoulli logits, or the Gaussian
        mean before its link (:meth:`mean_of`); shape ``(n, *data_shape)``."""
        return self.decoder(z)

    def mean_of(self, out: Tensor) -> Tensor:
        """The likelihood mean from a decoder output ``out`` (any shape, elementwise).

        ``sigmoid(out)`` for the Bernoulli likelihood (``out`` are logits) and for the
        Gaussian likelihood with ``mean="sigmoid"``; ``out`` itself for the Gaussian
        likelihood with ``mean="identity"``.
        """
        if self.likelihood == "bernoulli" or self.mean == "sigmoid":
            return torch.sigmoid(out)
        return out

    def decode_mean(self, z: Tensor) -> Tensor:
        """Likelihood mean ``E[x|z]`` for ``z`` of shape (n, d); shape ``(n, *data_shape)``."""
        return self.mean_of(self.decoder(z))

    def neg_log_likelihood(self, x: Tensor, out: Tensor) -> Tensor:
        """``-log p(x|z)`` per sample, shape (n,), from decoder output ``out``.

        Bernoulli: ``sum_k BCE(sigmoid(out_k), x_k)``. Gaussian with mean ``mu = link(out)``
        (:meth:`mean_of`): ``||x - mu||^2 / (2 sigma2) + m/2 log(2 pi sigma2)``, ``m`` the
        number of entries of one data point.
        """
        if self.likelihood == "bernoulli":
            nll = nn.functional.binary_cross_entropy_with_logits(out, x, reduction="none")
            return nll.flatten(1).sum(-1)
        m = x[0].numel()
        sq = (x - self.mean_of(out)).pow(2).flatten(1).sum(-1)
        return 0.5 * sq / self.sigma2 + 0.5 * m * math.log(2 * math.pi * self.sigma2)

    def loss(
        self, x: Tensor, beta: float = 1.0, generator: torch.Generator | None = None
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """Negative beta-ELBO averaged over the batch, with its parts.

        Returns
        -------
        loss : Tensor, scalar
            ``mean(-log p(x|z) + beta KL)`` with one reparameterised sample per point.
        parts : dict
            ``"nll"``, ``"kl"`` (batch means, detached) and ``"elbo"`` (the beta=1 ELBO).
        """
        q = self.encode(x)
        z = q.rsample(generator)
        nll = self.neg_log_likelihood(x, self.decode(z))
        kl = q.kl()
        loss = (nll + beta * kl).mean()
        parts = {
            "nll": nll.mean().detach(),
            "kl": kl.mean().detach(),
            "elbo": (-(nll + kl)).mean().detach(),
        }
        return loss, parts

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction (the likelihood mean at the posterior mean), same shape as ``x``."""
        return self.decode_mean(self.encode(x).mean)


# --------------------------------------------------------------------------------------
# Rolinek et al. (2019), Table S3
# --------------------------------------------------------------------------------------
ROLINEK_TABLE_S3: dict[str, dict[str, tuple[int, ...] | type[nn.Module] | int]] = {
    "dsprites": {
        "enc": (1200, 1200),
        "enc_act": nn.ReLU,
        "dec": (1200, 1200, 1200),
        "dec_act": nn.Tanh,
        "d": 5,
    },
    "synth-lin": {"enc": (), "enc_act": nn.Identity, "dec": (), "dec_act": nn.Identity, "d": 2},
    "synth-nonlin": {
        "enc": (60, 40, 20),
        "enc_act": nn.Tanh,
        "dec": (60, 40, 20),
        "dec_act": nn.Tanh,
        "d": 2,
    },
    "mnist": {"enc": (400,), "enc_act": nn.ReLU, "dec": (500, 500), "dec_act": nn.Tanh, "d": 6},
}
"""Rolinek et al. (2019) Table S3: hidden sizes, activations and latent dimension per data set."""


def _rolinek_row(name: str) -> dict[str, tuple[int, ...] | type[nn.Module] | int]:
    if name not in ROLINEK_TABLE_S3:
        raise ConfigError(
            f"Unknown Rolinek et al. architecture {name!r}; expected one of "
            f"{', '.join(ROLINEK_TABLE_S3)} (their Table S3)."
        )
    return ROLINEK_TABLE_S3[name]


def rolinek_encoder(name: str, in_features: int, out_features: int) -> nn.Sequential:
    """Rolinek et al. (2019) Table S3 encoder: flatten, hidden layers, linear output.

    Parameters
    ----------
    name
        Row of Table S3, one of ``dsprites``, ``synth-lin``, ``synth-nonlin``, ``mnist``.
    in_features
        Flattened data size ``m`` (4096 for dSprites).
    out_features
        Number of posterior parameters, :func:`n_posterior_params`.

    Input: a batch of shape ``(n,) + data_shape`` with ``prod(data_shape) == in_features``.
    Output: shape (n, out_features).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine import models
    >>> enc = models.rolinek_encoder("synth-nonlin", in_features=6, out_features=4)
    >>> tuple(enc(torch.zeros(5, 6)).shape)
    (5, 4)
    """
    row = _rolinek_row(name)
    hidden = row["enc"]
    act = row["enc_act"]
    assert isinstance(hidden, tuple) and isinstance(act, type)
    return nn.Sequential(nn.Flatten(), *mlp([in_features, *hidden, out_features], act))


def rolinek_decoder(
    name: str, latent_dim: int, data_shape: tuple[int, ...] | list[int]
) -> nn.Sequential:
    """Rolinek et al. (2019) Table S3 decoder: hidden layers, linear output, reshape.

    Input shape (n, latent_dim); output shape ``(n, *data_shape)`` (means or logits).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine import models
    >>> dec = models.rolinek_decoder("synth-nonlin", latent_dim=2, data_shape=(1, 8, 8))
    >>> tuple(dec(torch.zeros(5, 2)).shape)
    (5, 1, 8, 8)
    """
    row = _rolinek_row(name)
    hidden = row["dec"]
    act = row["dec_act"]
    assert isinstance(hidden, tuple) and isinstance(act, type)
    m = math.prod(data_shape)
    return nn.Sequential(
        *mlp([latent_dim, *hidden, m], act), nn.Unflatten(1, tuple(int(s) for s in data_shape))
    )


# --------------------------------------------------------------------------------------
# Building a VAE from a configuration
# --------------------------------------------------------------------------------------
ARCHITECTURES: tuple[str, ...] = (
    "burgess",
    "rolinek-dsprites",
    "rolinek-synth-lin",
    "rolinek-synth-nonlin",
    "rolinek-mnist",
    "mlp",
)
"""Architecture names understood by :func:`build_model` and the CLI."""

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "softplus": nn.Softplus,
    "elu": nn.ELU,
    "silu": nn.SiLU,
}
"""Hidden-layer nonlinearities of the ``"mlp"`` architecture (name -> module class).

``relu`` is piecewise linear, so a ReLU decoder's second derivatives in ``z`` vanish almost
everywhere (the Hessian term of Eq. 6 is zero for a Bernoulli or identity-mean Gaussian
likelihood); ``tanh``, ``softplus``, ``silu`` are smooth and ``elu`` is continuously
differentiable, with nonzero second derivatives.
"""


@dataclass(frozen=True)
class ModelConfig:
    """Everything :func:`build_model` needs.

    Attributes
    ----------
    architecture
        One of :data:`ARCHITECTURES`.
    data_shape
        Shape of one data point, e.g. ``(1, 64, 64)`` for dSprites or ``(3,)``.
    latent_dim
        ``d >= 1``.
    posterior
        ``"diag"`` or ``"full"``.
    likelihood
        ``"bernoulli"`` or ``"gaussian"`` (fixed variance ``sigma2``).
    sigma2
        Variance of the Gaussian likelihood.
    mean
        Link from the decoder output to the Gaussian mean, one of :data:`MEAN_LINKS`
        (``"identity"``, the default, or ``"sigmoid"``); ``"identity"`` for Bernoulli.
    hidden
        Hidden layer sizes of the ``"mlp"`` architecture (encoder; the decoder mirrors them).
    activation
        Hidden-layer nonlinearity of the ``"mlp"`` architecture, a key of
        :data:`ACTIVATIONS` (``"tanh"``, the default; ``"relu"``, ``"softplus"``, ``"elu"``,
        ``"silu"``).

    Examples
    --------
    >>> from seamlib.engine import models
    >>> cfg = models.ModelConfig("mlp", data_shape=(3,), latent_dim=2, likelihood="gaussian")
    >>> cfg.validate()  # raises ConfigError with a fix if a field is invalid
    """

    architecture: str
    data_shape: tuple[int, ...]
    latent_dim: int
    posterior: str = "diag"
    likelihood: str = "bernoulli"
    sigma2: float = 1.0
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    mean: str = "identity"

    def validate(self) -> None:
        """Raise :class:`~seamlib.errors.ConfigError` with a fix if any field is invalid."""
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(
                f"Unknown architecture {self.architecture!r}; expected one of "
                f"{', '.join(ARCHITECTURES)}."
            )
        if self.posterior not in _POSTERIORS:
            raise ConfigError(f"Unknown posterior {self.posterior!r}; expected 'diag' or 'full'.")
        if self.likelihood not in _LIKELIHOODS:
            raise ConfigError(
                f"Unknown likelihood {self.likelihood!r}; expected 'bernoulli' or 'gaussian'."
            )
        if int(self.latent_dim) != self.latent_dim or self.latent_dim < 1:
            raise ConfigError(
                f"The latent dimension d must be an integer >= 1, got {self.latent_dim}."
            )
        if not self.sigma2 > 0:
            raise ConfigError(f"sigma2 must be > 0, got {self.sigma2}.")
        problem = mean_link_error(self.likelihood, self.mean)
        if problem is not None:
            raise ConfigError(problem)
        if not self.data_shape or any(int(s) < 1 for s in self.data_shape):
            raise ConfigError(f"data_shape must be non-empty and positive, got {self.data_shape}.")
        if self.architecture == "burgess" and (
            len(self.data_shape) != 3 or tuple(self.data_shape[1:]) != (64, 64)
        ):
            raise ConfigError(
                f"The 'burgess' conv architecture needs 64x64 images of shape (channels, 64, "
                f"64), got data of shape {tuple(self.data_shape)}; use 'mlp' or a "
                "'rolinek-*' architecture for other data."
            )
        if self.architecture == "mlp" and any(int(h) < 1 for h in self.hidden):
            raise ConfigError(f"hidden sizes must be >= 1, got {self.hidden}.")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(
                f"Unknown activation {self.activation!r}; expected one of {', '.join(ACTIVATIONS)}."
            )
        if self.activation != "tanh" and self.architecture != "mlp":
            raise ConfigError(
                f"activation is an option of the 'mlp' architecture; {self.architecture!r} has "
                "fixed nonlinearities: drop --activation."
            )


def build_model(config: ModelConfig) -> VAE:
    """Build the :class:`VAE` a :class:`ModelConfig` describes (on the CPU, float32).

    The weights are drawn from torch's global generator: seed it (or wrap the call in
    ``torch.random.fork_rng``) for a reproducible initialisation.

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.models import ModelConfig, build_model
    >>> cfg = ModelConfig("rolinek-synth-nonlin", data_shape=(6,), latent_dim=2,
    ...                   posterior="full", likelihood="gaussian")
    >>> vae = build_model(cfg)
    >>> tuple(vae(torch.zeros(4, 6)).shape)  # reconstructions
    (4, 6)
    """
    config.validate()
    d = int(config.latent_dim)
    shape = tuple(int(s) for s in config.data_shape)
    k = n_posterior_params(d, config.posterior)  # type: ignore[arg-type]
    m = math.prod(shape)
    arch = config.architecture
    # The decoder is built first, so that a diagonal and a full-covariance VAE built from
    # the same seed share every initial weight except the encoder's last layer's extra rows
    # (the off-diagonal Cholesky factors) and its bias: a paired design.
    if arch == "burgess":
        decoder: nn.Module = burgess_decoder(d, out_channels=shape[0])
        encoder: nn.Module = burgess_encoder(k, in_channels=shape[0])
    elif arch.startswith("rolinek-"):
        name = arch.removeprefix("rolinek-")
        decoder = rolinek_decoder(name, d, shape)
        encoder = rolinek_encoder(name, m, k)
    else:  # "mlp"
        hidden = tuple(int(h) for h in config.hidden)
        act = ACTIVATIONS[config.activation]
        decoder = nn.Sequential(*mlp([d, *hidden[::-1], m], activation=act), nn.Unflatten(1, shape))
        encoder = nn.Sequential(nn.Flatten(), *mlp([m, *hidden, k], activation=act))
    return VAE(
        encoder,
        decoder,
        latent_dim=d,
        posterior=config.posterior,  # type: ignore[arg-type]
        likelihood=config.likelihood,  # type: ignore[arg-type]
        sigma2=config.sigma2,
        mean=config.mean,  # type: ignore[arg-type]
    )
