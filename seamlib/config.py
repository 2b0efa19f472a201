"""Experiment sizes, chosen by one profile.

Every size used anywhere in the book or the library's drivers (number of samples, training
steps, seeds, beta grids) lives here, so that the *same* code runs at three scales:

``smoke``
    For CI: every chapter executes in well under a minute on 2 CPU cores.
``laptop`` (default)
    A few minutes per chapter on a laptop CPU; the numbers are meaningful.
``paper``
    The sizes of the paper's experiments; meant for a GPU.

A profile sizes what a chapter computes live. The stored results that chapters read are the
same in every profile: they were trained from grid files under ``experiments/`` that name
their own resolution and budget (the ``*.cpu.json`` recipes: all 737,280 dSprites images at
32 x 32, trained to the pilot's plateau on one CPU core per run), not from a profile.

The profile is chosen by the environment variable ``SEAMLIB_PROFILE`` (or by passing a name
to :func:`get_profile`). Each chapter reads its own section::

    >>> from seamlib.config import get_profile
    >>> cfg = get_profile("smoke")
    >>> cfg.linear.n_samples
    2000

How sections are written
------------------------
A section is a frozen dataclass whose *defaults are the laptop sizes*; the class attributes
``SMOKE`` and ``PAPER`` list only the fields that differ in those profiles. Adding a section
means writing the dataclass and adding one field to :class:`Profile`.

A chapter's random seeds are one more field of its section, ``seeds``, a frozen dataclass of
named seeds (:class:`LinearSeeds`, :class:`PosteriorSeeds`, :class:`SeamsSeeds`,
:class:`IdentifiabilitySeeds`, :class:`MetricsSeeds`, defined in :mod:`seamlib.config_seeds`)
that is the same in every profile::

    >>> get_profile("smoke").metrics.seeds.codes == get_profile("paper").metrics.seeds.codes
    True
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from seamlib.config_seeds import (
    IdentifiabilitySeeds,
    LinearSeeds,
    MetricsSeeds,
    PosteriorSeeds,
    SeamsSeeds,
)
from seamlib.errors import ConfigError

__all__ = [
    "PROFILES",
    "DEFAULT_PROFILE",
    "ENV_VAR",
    "Profile",
    "get_profile",
    "profile_name",
    "using_profile",
    "default_device",
    "project_root",
    "ProfileError",
    "Section",
    "LinearSizes",
    "PosteriorSizes",
    "SeamsSizes",
    "IdentifiabilitySizes",
    "MetricsSizes",
    "TrainSizes",
    "DspritesSizes",
    "FacesSizes",
]

PROFILES: tuple[str, ...] = ("smoke", "laptop", "paper")
DEFAULT_PROFILE = "laptop"
ENV_VAR = "SEAMLIB_PROFILE"


class ProfileError(ConfigError):
    """An unknown profile name was requested.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> get_profile("huge")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    seamlib.config.ProfileError: Unknown seamlib profile 'huge' (from the argument)...
    """


@dataclass(frozen=True)
class Section:
    """Base class of a profile section (laptop defaults, ``SMOKE``/``PAPER`` overrides).

    Examples
    --------
    >>> from seamlib.config import MetricsSizes
    >>> MetricsSizes.for_profile("smoke") == MetricsSizes(**MetricsSizes.SMOKE)
    True
    """

    SMOKE: ClassVar[dict[str, Any]] = {}
    PAPER: ClassVar[dict[str, Any]] = {}

    @classmethod
    def for_profile(cls, name: str) -> Section:
        """Return the section's sizes for profile ``name``."""
        overrides = {"smoke": cls.SMOKE, "paper": cls.PAPER}.get(name, {})
        return cls(**overrides)


# --------------------------------------------------------------------------------------
# Chapter "Linear models" (seamlib.theory.linear)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinearSizes(Section):
    """Sizes of the chapter "Linear models" (``seamlib.theory.linear``).

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import LinearSizes, get_profile
    >>> get_profile("smoke").linear == LinearSizes.for_profile("smoke")
    True
    """

    seed: int = 0  # seed of the ground truth, the data and the inits
    n_samples: int = 20_000  # Gaussian data points for PPCA / LVAE fits
    m: int = 5  # data dimension
    d: int = 2  # latent dimension
    singular_values: tuple[float, ...] = (2.0, 1.0)  # ground-truth s_W (distinct, Fig. 2)
    sigma2: float = 0.1  # ground-truth noise variance of Eq. 2
    steps: int = 3_000  # Adam steps of analytic-ELBO training (Fig. 2)
    lr: float = 0.1  # initial Adam learning rate
    lr_decay: float = 0.1  # final learning rate as a fraction of lr (geometric decay)
    n_inits: int = 5  # random inits for the "MLE is the maximum" check
    n_rotations: int = 20  # random orthogonal R in the invariance check
    n_angles: int = 181  # rotation angles in the ELBO-gap plot
    ratios: tuple[float, ...] = (1.0, 1.2, 1.5, 2.0)  # s1/s2 sweep (degenerate case)
    sweep_steps: int = 30  # damped-Newton steps per run in the ratio and Cor. 6.1 sweeps
    n_grid: tuple[int, ...] = (100, 1_000, 10_000, 100_000)  # Cor. 6.1 sample sizes
    n_repeats: int = 5  # repeats (seeds) per ratio and per n
    synth_lin_n: int = 50_000  # Rolinek et al. "Synth Lin" samples (their size)
    synth_lin_steps: int = 40  # damped-Newton steps for the Synth Lin linear beta-VAE
    seeds: LinearSeeds = field(default_factory=LinearSeeds)  # the chapter's other seeds
    SMOKE: ClassVar[dict[str, Any]] = dict(
        n_samples=2_000,
        steps=600,
        n_inits=2,
        n_rotations=5,
        n_angles=61,
        sweep_steps=25,
        n_grid=(100, 1_000, 10_000),
        n_repeats=2,
        synth_lin_n=5_000,
        synth_lin_steps=25,
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        n_samples=100_000,
        steps=10_000,
        sweep_steps=50,
        n_inits=10,
        n_repeats=20,
        synth_lin_steps=100,
    )


# --------------------------------------------------------------------------------------
# Chapter "Optimal posteriors and decoder derivatives" (seamlib.theory.posterior)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PosteriorSizes(Section):
    """Sizes of the chapter "Optimal posteriors and decoder derivatives" (``theory.posterior``).

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import PosteriorSizes, get_profile
    >>> get_profile("smoke").posterior == PosteriorSizes.for_profile("smoke")
    True
    """

    quad_nodes: int = 24  # Gauss-Hermite nodes per dimension (d <= 3)
    mc_samples: int = 20_000  # common random numbers for Monte Carlo (d up to 10)
    mc_replicates: int = 8  # independent Monte Carlo fits for the d = 10 standard errors
    opt_steps: int = 400  # optimiser iterations for the optimal posterior
    n_angles: int = 37  # rotation angles for the diagonal-vs-full gap plot
    n_betas: int = 17  # beta grid size in the posterior-collapse sweep
    collapse_steps: int = 1_500  # training steps of the linear VAE in the collapse sweep
    collapse_lr: float = 0.2  # Adam learning rate of the linear VAE (decays 100x)
    rings_n: int = 4_000  # points of the rings data (Fig. 6)
    rings_steps: int = 3_000  # VAE training steps per beta (Fig. 6)
    rings_lr: float = 3e-3  # Adam learning rate of the Fig. 6 VAEs
    rings_betas: tuple[float, ...] = (0.55, 2.2, 3.8, 60.0)
    seeds: PosteriorSeeds = field(default_factory=PosteriorSeeds)  # the chapter's seeds
    SMOKE: ClassVar[dict[str, Any]] = dict(
        quad_nodes=20,
        mc_samples=2_000,
        mc_replicates=5,
        opt_steps=150,
        n_angles=13,
        n_betas=9,
        collapse_steps=400,
        rings_n=1_000,
        rings_steps=400,
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        quad_nodes=32,
        mc_samples=100_000,
        mc_replicates=20,
        opt_steps=1_000,
        n_angles=73,
        n_betas=49,
        collapse_steps=4_000,
        rings_n=20_000,
        rings_steps=20_000,
    )


# --------------------------------------------------------------------------------------
# Chapters "Jacobians, singular-vector paths and seams" and "Disentanglement = C1 + C2"
# (seamlib.theory, seamlib.theory.generators)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeamsSizes(Section):
    """Sizes of the chapters on seams and on "Disentanglement = C1 + C2" (``seamlib.theory``).

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import SeamsSizes, get_profile
    >>> get_profile("smoke").seams == SeamsSizes.for_profile("smoke")
    True
    """

    path_steps: int = 400  # RK4 steps along a singular-vector path (figures, t in [-2.5, 2.5])
    check_steps: int = 400  # RK4 steps of the paths used for the exactness checks (t in [-1, 1])
    n_paths: int = 7  # paths drawn per latent in the figures
    density_mc: int = 1_000_000  # Monte Carlo samples for the push-forward density check
    indep_n: int = 2_000  # samples for the seam-independence test
    indep_permutations: int = 200  # permutation null size
    vae_n: int = 5_000  # training points from the c1c2 generator
    vae_steps: int = 4_000  # Adam steps of the small VAEs (P1, Lemma 4.1)
    vae_lr: float = 2e-3  # their Adam learning rate (the identifiability chapter's)
    vae_seeds: int = 10  # seeds per posterior type (one-sided rank tests over them)
    vae_noise: float = 0.1  # std of the Gaussian noise added to c1c2 data (and likelihood std)
    vae_hidden: int = 64  # hidden units of the MLP encoder/decoder
    vae_eval_n: int = 512  # data points where the Eq. 6 terms and C1/C2 scores are averaged
    factor_n: int = 20_000  # samples for the seam-marginal density estimates (Def. D1)
    n_family: int = 64  # latent points per decoder of the Thm. 5.2 / App. A family
    seeds: SeamsSeeds = field(default_factory=SeamsSeeds)  # both chapters' seeds
    SMOKE: ClassVar[dict[str, Any]] = dict(
        path_steps=150,
        n_paths=4,
        density_mc=200_000,
        indep_n=600,
        indep_permutations=200,
        vae_n=1_000,
        vae_steps=300,
        vae_seeds=3,
        vae_eval_n=256,
        factor_n=5_000,
        n_family=32,
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        path_steps=1_000,
        density_mc=4_000_000,
        indep_n=5_000,
        indep_permutations=1_000,
        vae_n=20_000,
        vae_steps=20_000,
    )


# --------------------------------------------------------------------------------------
# Chapter "Identifiability"
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentifiabilitySizes(Section):
    """Sizes and acceptance bars of the chapter "Identifiability".

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import IdentifiabilitySizes, get_profile
    >>> get_profile("smoke").identifiability == IdentifiabilitySizes.for_profile("smoke")
    True
    """

    n_points: int = 64  # latent points where tangent Hessians are compared (items 1-2)
    n_angles: int = 37  # rotation angles in [0, pi/2] for the isotropic example (item 2)
    vae_n: int = 5_000  # training points from c1c2 (items 3-4)
    vae_steps: int = 4_000  # Adam steps per VAE
    vae_lr: float = 2e-3  # Adam learning rate
    vae_batch: int = 128  # minibatch size
    vae_hidden: int = 64  # width of the two hidden tanh layers (encoder and decoder)
    vae_seeds: int = 3  # seeds per posterior type (Thm. 6.5)
    bss_seeds: int = 2  # seeds per posterior type (Cor. 6.7)
    noise_std: float = 0.1  # data noise std = likelihood std sigma of the VAEs
    eval_n: int = 500  # held-out noise-free points for |cos| and MCC
    elbo_points: int = 6  # data points for the optimal-ELBO comparison (Remark 6.8)
    elbo_angles: int = 5  # rotation angles in [0, pi/4] (Remark 6.8)
    seeds: IdentifiabilitySeeds = field(default_factory=IdentifiabilitySeeds)  # its seeds
    # Acceptance bars for diagonal posteriors. A model whose latents are rotated by 45 degrees
    # scores 1/sqrt(2) = 0.707 on axis alignment and MCC (seamlib.theory.identify.ROTATION_FLOOR),
    # so no bar of any profile may sit at or below it (tests/test_identify.py checks this).
    axis_bar: float = 0.95  # mean |cos| of J_phi's columns with the latent axes (Thm. 6.5)
    mcc_bar: float = 0.9  # MCC of posterior means vs true latents
    bss_bar: float = 0.9  # Spearman MCC for Cor. 6.7
    s_bar: float = 0.1  # median relative error of matched singular values (Cor. D.1)
    SMOKE: ClassVar[dict[str, Any]] = dict(
        n_points=16,
        n_angles=13,
        vae_n=1_000,
        vae_steps=300,
        vae_lr=3e-3,
        vae_seeds=2,
        bss_seeds=1,
        eval_n=200,
        elbo_points=2,
        elbo_angles=2,
        axis_bar=0.8,
        mcc_bar=0.8,
        bss_bar=0.8,
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        n_points=256,
        vae_n=20_000,
        vae_steps=20_000,
        vae_seeds=5,
        bss_seeds=5,
        eval_n=2_000,
        elbo_points=32,
        elbo_angles=9,
    )


# --------------------------------------------------------------------------------------
# Chapter "Measuring disentanglement" (seamlib.metrics)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricsSizes(Section):
    """Sizes of the chapter "Measuring disentanglement" (``seamlib.metrics``).

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import MetricsSizes, get_profile
    >>> get_profile("smoke").metrics == MetricsSizes.for_profile("smoke")
    True
    """

    n_codes: int = 10_000  # codes per worked example
    n_bins: int = 20  # histogram bins for the MI estimate (disentanglement_lib default)
    bins_grid: tuple[int, ...] = (5, 10, 20, 50, 100)  # bin counts compared side by side
    mc_samples: int = 2_000  # posterior samples per entropy estimate (Chen et al. MIG)
    sub_codes: int = 3_000  # codes used by the slow estimators (q(z|x) entropies, DCI)
    n_repeats: int = 5  # repeats (seeds) for spread estimates
    n_angles: int = 19  # rotation angles in the entanglement sweep (0 to 90 degrees)
    dci_trees: int = 20  # trees per random forest in DCI
    n_random: int = 20  # random orthogonal matrices in the DtO-vs-MILP check (d = 3..6)
    seeds: MetricsSeeds = field(default_factory=MetricsSeeds)  # the chapter's seeds
    SMOKE: ClassVar[dict[str, Any]] = dict(
        n_codes=2_000,
        mc_samples=600,
        sub_codes=1_000,
        n_repeats=2,
        n_angles=7,
        dci_trees=10,
        n_random=6,
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        n_codes=50_000,
        mc_samples=10_000,
        sub_codes=10_000,
        n_repeats=10,
        n_angles=46,
        dci_trees=50,
        n_random=50,
    )


# --------------------------------------------------------------------------------------
# The VAE engine (seamlib.engine.train) defaults
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainSizes(Section):
    """Defaults of the VAE engine (``seamlib.engine.train``) and its CLI.

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import TrainSizes, get_profile
    >>> get_profile("smoke").train == TrainSizes.for_profile("smoke")
    True
    """

    batch_size: int = 64  # minibatch size
    lr: float = 1e-3  # Adam learning rate (Burgess et al. use 5e-4)
    steps: int = 3_000  # default training steps
    checkpoint_every: int = 1_000  # steps between checkpoints
    eval_n: int = 2_000  # samples used by `evaluate`
    eval_jacobian_n: int = 64  # posterior means at which `evaluate` averages J^T J
    log_every: int = 10  # steps per metrics.jsonl row (and loss finiteness check)
    subset: int = 0  # default training-set size for the CLI (0 = the whole data set)
    SMOKE: ClassVar[dict[str, Any]] = dict(
        steps=50, checkpoint_every=25, eval_n=256, eval_jacobian_n=16, log_every=5, subset=1_024
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        steps=300_000, checkpoint_every=10_000, eval_n=10_000, eval_jacobian_n=256, log_every=100
    )


# --------------------------------------------------------------------------------------
# Chapter "dSprites experiments"
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DspritesSizes(Section):
    """Sizes of the chapter "dSprites experiments": training grid, evaluation, tables.

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import DspritesSizes, get_profile
    >>> get_profile("smoke").dsprites == DspritesSizes.for_profile("smoke")
    True
    """

    # Fig. 5 / Fig. 7 (Bernoulli likelihood, Adam). On a CPU the laptop profile uses a small
    # MLP (6x cheaper per step than the conv net, so 6x more steps in the same time)
    architecture: str = "mlp"  # engine architecture ("burgess" = the 64x64 conv VAE)
    hidden: tuple[int, ...] = (256, 256)  # hidden sizes of the "mlp" architecture
    activation: str = "tanh"  # hidden nonlinearity of the "mlp" architecture
    resolution: int = 64  # pixels per side (32: the 2x2 mean-pooled data-set variant)
    lr: float = 1e-3  # Adam learning rate
    eval_every: int = 0  # steps between learning-curve evaluations of each run (0: none)
    betas: tuple[float, ...] = (0.001, 0.1, 1.0, 4.0)  # beta grid (Fig. 5)
    seeds: tuple[int, ...] = (0, 1)  # seeds per configuration
    latent_dim: int = 10  # d
    steps: int = 3_000  # training steps per run (Fig. 5 and Fig. 7)
    subset: int = 16_384  # training images (0 = all 737,280)
    batch_size: int = 64  # minibatch size
    anneal: tuple[float, float] = (1.0, 0.001)  # Fig. 7: exponential decay of beta, start -> end
    # Evaluation (seamlib.experiments.dsprites.summarise_run)
    eval_n: int = 4_096  # held-out images for the MI matrix, MIG, AAS, kNN score
    eq6_n: int = 64  # images whose Eq. 6 terms (Jacobian, Hessian) are averaged
    n_recon: int = 8  # reconstructions stored per run (Fig. 7)
    n_traverse: int = 7  # latent values per traversal row (Fig. 7)
    # Published tables: Rolinek et al. (Table S3 MLP, d = 5, beta = 4) and Bhowal et al.
    # (MLP 1200-1200, beta = 6); same data subset, fewer steps than the papers
    table_steps: int = 300  # training steps per table run
    table_seeds: tuple[int, ...] = (0, 1)  # seeds per table configuration
    table_activation: str = "tanh"  # hidden nonlinearity of Bhowal et al.'s MLP (theirs: relu)
    # The run the chapter trains live (the figures read stored sweep results)
    live_steps: int = 300  # training steps of the live run
    live_subset: int = 4_096  # its training images
    SMOKE: ClassVar[dict[str, Any]] = dict(
        betas=(0.001, 1.0),
        seeds=(0,),
        steps=30,
        subset=2_048,
        eval_n=512,
        eq6_n=8,
        n_recon=4,
        n_traverse=5,
        table_steps=10,
        table_seeds=(0,),
        live_steps=40,
        live_subset=1_024,
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        betas=(0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 8.0),
        seeds=(0, 1, 2, 3, 4),
        steps=100_000,
        architecture="burgess",
        subset=0,
        eval_n=10_000,
        eq6_n=256,
        table_steps=460_800,
        table_seeds=(0, 1, 2, 3, 4),
        live_steps=2_000,
    )  # table_steps: Rolinek's 50 epochs of the 80 % training split at batch 64


# --------------------------------------------------------------------------------------
# Chapter "Faces"
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FacesSizes(Section):
    """Sizes of the chapter "Faces": training grid, evaluation, live run.

    Defaults are the laptop sizes; ``SMOKE`` and ``PAPER`` hold the overrides.

    Examples
    --------
    >>> from seamlib.config import FacesSizes, get_profile
    >>> get_profile("smoke").faces == FacesSizes.for_profile("smoke")
    True
    """

    # Training grid (seamlib.experiments.faces.grids): diagonal and full posteriors x betas x seeds,
    # Gaussian likelihood. Offline data: scikit-image's 100 LFW faces (25 x 25 grey) with an
    # MLP; CelebA (64 x 64 RGB, when the reader has it) with the Burgess et al. conv net.
    betas: tuple[float, ...] = (1.0, 4.0)  # beta grid
    seeds: tuple[int, ...] = (0, 1, 2)  # seeds per configuration
    latent_dim: int = 10  # d
    steps: int = 2_000  # training steps per run
    batch_size: int = 64  # minibatch size (LFW has 100 faces)
    lr: float = 1e-3  # Adam learning rate
    sigma2: float = 0.01  # variance of the Gaussian likelihood (pixels in [0, 1])
    hidden: tuple[int, ...] = (256, 256)  # hidden sizes of the "mlp" architecture (LFW)
    celeba_subset: int = 20_000  # CelebA training images (0 = all 202,599)
    # Evaluation (seamlib.experiments.faces.summarise_run)
    eval_n: int = 2_048  # CelebA held-out (test split) images for MI / AAS; LFW uses all 100
    eq6_n: int = 64  # images whose Eq. 6 terms and C1 score are averaged
    c2_n: int = 16  # latent points of the C2 score (forward-over-forward SVD derivatives)
    n_recon: int = 8  # reconstructions stored per run
    n_samples: int = 8  # prior samples stored per run
    n_traverse: int = 7  # values per latent traversal row
    # The live run of the chapter: a tiny CelebA-layout fixture (random attributes) trained
    # through the CLI, so that the CelebA code path runs everywhere
    live_n: int = 96  # fixture images
    live_steps: int = 200  # training steps per live run
    live_latent_dim: int = 6  # d of the live runs
    live_threads: int = 0  # torch threads of the live runs (0 = torch's default)
    SMOKE: ClassVar[dict[str, Any]] = dict(
        betas=(1.0, 4.0),
        seeds=(0,),
        latent_dim=6,
        steps=30,
        eq6_n=8,
        c2_n=4,
        n_recon=4,
        n_samples=4,
        n_traverse=5,
        eval_n=64,
        live_n=48,
        live_steps=40,
        live_latent_dim=4,
        live_threads=1,  # CI's 2 shared cores: one thread avoids oversubscription
    )
    PAPER: ClassVar[dict[str, Any]] = dict(
        betas=(0.5, 1.0, 4.0, 8.0),
        seeds=(0, 1, 2),
        latent_dim=32,
        steps=100_000,
        celeba_subset=0,
        eval_n=10_000,
        eq6_n=256,
        c2_n=64,
        live_steps=500,
    )


# --------------------------------------------------------------------------------------
# The profile
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Profile:
    """All sizes of one profile; one attribute per chapter/driver section.

    Examples
    --------
    >>> from seamlib.config import Profile, get_profile
    >>> cfg = get_profile("paper")
    >>> isinstance(cfg, Profile), cfg.name
    (True, 'paper')
    """

    name: str
    linear: LinearSizes = field(default_factory=LinearSizes)
    posterior: PosteriorSizes = field(default_factory=PosteriorSizes)
    seams: SeamsSizes = field(default_factory=SeamsSizes)
    identifiability: IdentifiabilitySizes = field(default_factory=IdentifiabilitySizes)
    metrics: MetricsSizes = field(default_factory=MetricsSizes)
    train: TrainSizes = field(default_factory=TrainSizes)
    dsprites: DspritesSizes = field(default_factory=DspritesSizes)
    faces: FacesSizes = field(default_factory=FacesSizes)


def profile_name(name: str | None = None) -> str:
    """Resolve a profile name: ``name``, else ``$SEAMLIB_PROFILE``, else ``laptop``.

    Raises
    ------
    ProfileError
        If the name is not one of :data:`PROFILES`.

    Examples
    --------
    >>> from seamlib.config import profile_name
    >>> profile_name(" Smoke ")  # case and spaces are ignored
    'smoke'
    """
    if name is None:
        name = _ACTIVE_PROFILE.get()
        source = "argument" if name is not None else f"environment variable {ENV_VAR}"
    else:
        source = "argument"
    resolved = name if name is not None else os.environ.get(ENV_VAR, "") or DEFAULT_PROFILE
    resolved = resolved.strip().lower()
    if resolved not in PROFILES:
        raise ProfileError(
            f"Unknown seamlib profile {resolved!r} (from the {source}). Expected one of "
            f"{', '.join(PROFILES)}. Fix: `export {ENV_VAR}=smoke` for a quick check, "
            f"`laptop` (the default) for meaningful numbers on a CPU, `paper` on a GPU."
        )
    return resolved


_ACTIVE_PROFILE: ContextVar[str | None] = ContextVar("seamlib_profile", default=None)


@contextmanager
def using_profile(name: str) -> Iterator[str]:
    """Within the block, the default profile is ``name`` (instead of ``$SEAMLIB_PROFILE``).

    The command line's ``--profile`` uses it: the environment is never changed, so nothing
    outside the block (a notebook, a later call) sees another profile.

    Examples
    --------
    >>> from seamlib.config import get_profile, using_profile
    >>> with using_profile("smoke"):
    ...     get_profile().name
    'smoke'
    """
    token = _ACTIVE_PROFILE.set(profile_name(name))
    try:
        yield _ACTIVE_PROFILE.get() or name
    finally:
        _ACTIVE_PROFILE.reset(token)


def get_profile(name: str | None = None) -> Profile:
    """Return the sizes of profile ``name`` (default: ``$SEAMLIB_PROFILE`` or ``laptop``).

    Parameters
    ----------
    name
        ``"smoke"``, ``"laptop"`` or ``"paper"``; ``None`` reads
        ``SEAMLIB_PROFILE``.

    Returns
    -------
    Profile
        Frozen dataclass with one section per chapter, e.g. ``get_profile().linear.steps``.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> cfg = get_profile("smoke")
    >>> cfg.name
    'smoke'
    >>> steps = cfg.train.steps  # sizes come from the profile, never hard-coded
    """
    resolved = profile_name(name)
    sections = {
        f.name: f.default_factory.for_profile(resolved)  # type: ignore[union-attr, misc]
        for f in dataclasses.fields(Profile)
        if f.name != "name"
    }
    return Profile(name=resolved, **sections)


def default_device() -> str:
    """``"cuda"`` when a CUDA device is available, else ``"cpu"`` (nothing assumes a GPU).

    Examples
    --------
    >>> from seamlib.config import default_device
    >>> default_device() in ("cpu", "cuda")
    True
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def project_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder above ``start`` (default: cwd) with ``_toc.yml``.

    Falls back to the folder above the installed ``seamlib`` package (an editable install).

    Raises
    ------
    ConfigError
        If neither location holds ``_toc.yml`` (e.g. seamlib installed from a wheel and run
        outside a clone); the message says to run from the repository.

    Examples
    --------
    >>> from seamlib.config import project_root
    >>> (project_root() / "_toc.yml").is_file()
    True
    """
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "_toc.yml").is_file():
            return folder
    pkg_parent = Path(__file__).resolve().parent.parent
    if (pkg_parent / "_toc.yml").is_file():
        return pkg_parent
    raise ConfigError(
        f"Could not find the seamlib repository root (a folder holding _toc.yml) above {here}. "
        "Run this from inside a clone of the repository."
    )
