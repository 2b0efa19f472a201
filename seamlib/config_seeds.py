"""The named random seeds of the chapters: one frozen dataclass per chapter section.

Each is the ``seeds`` field of its chapter's section of :mod:`seamlib.config`
(:class:`~seamlib.config.LinearSizes` and the others) and is the same in every profile: a
chapter draws every random number from a seed named here, never from a literal in its code.
:mod:`seamlib.config` re-exports every class.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LinearSeeds",
    "PosteriorSeeds",
    "SeamsSeeds",
    "IdentifiabilitySeeds",
    "MetricsSeeds",
]


@dataclass(frozen=True)
class LinearSeeds:
    """Random seeds of the chapter "Linear models", the same in every profile.

    The ground truth, the data and the Figure 2 fits are seeded by the ``seed`` of
    :class:`~seamlib.config.LinearSizes` (``seed``, ``seed + 1``, ``seed + 7``,
    ``seed + j``); these are the chapter's other draws. ``k``, ``i`` and ``j`` below are the
    loop indices of the chapter's cells.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.config_seeds import LinearSeeds
    >>> get_profile("smoke").linear.seeds == LinearSeeds()
    True
    >>> LinearSeeds().rotations
    200
    """

    inits: int = 100  # base seed of the PPCA gradient-ascent inits (seed = inits + k)
    rotations: int = 200  # base seed of the random orthogonal R (seed = rotations + k)
    eq4_rotation: int = 300  # the random R of the Eq. 4 check
    ratio_inits: int = 400  # LVAE inits of the equal-singular-values sweep (ratio_inits + j)
    sample_size_data: int = 1_000  # Cor. 6.1 data (seed = sample_size_data * (i + 1) + j)
    sample_size_inits: int = 500  # Cor. 6.1 LVAE inits (seed = sample_size_inits + j)
    orthogonal_columns: int = 7  # exercise 1: the random decoder with orthogonal columns


@dataclass(frozen=True)
class PosteriorSeeds:
    """Random seeds of the chapter "Optimal posteriors and decoder derivatives".

    The same in every profile.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.config_seeds import PosteriorSeeds
    >>> get_profile("smoke").posterior.seeds == PosteriorSeeds()
    True
    >>> PosteriorSeeds().beta_draws
    4
    """

    linear_decoder: int = 0  # torch.Generator of W and x in the linear-decoder (PPCA) check
    mlp_init: int = 0  # torch.manual_seed before building the 2-D MLP decoder
    mlp_x: int = 1  # torch.Generator of that decoder's data point x
    mlp_z: int = 2  # torch.Generator of the latent points of the Hessian check
    d10_init: int = 1  # torch.manual_seed before building the d = 10 MLP decoder
    d10_x: int = 3  # torch.Generator of the d = 10 decoder's data point
    beta_draws: int = 4  # torch.Generator of the random (mu, L) of the beta = variance check
    collapse_basis: int = 0  # random orthogonal U of the collapse sweep's data covariance
    collapse_inits: int = 0  # inits of both linear-VAE fits (Newton and Adam) at each beta
    rings_data: int = 0  # the rings data of Figure 6
    rings_init: int = 0  # torch.manual_seed before building each Figure 6 VAE
    rings_batches: int = 0  # seamlib.engine.fit.fit seed (minibatches, noise) of each Figure 6 VAE
    counterexample: int = 0  # numpy Generator of the random points of the App. G check
    taylor: int = 5  # torch.Generator of W, v and A of the App. G Taylor-term check


@dataclass(frozen=True)
class SeamsSeeds:
    """Random seeds of the chapters on seams and on "Disentanglement = C1 + C2".

    The same in every profile. ``neither`` is used by both chapters; the other fields name
    the chapter they seed.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.config_seeds import SeamsSeeds
    >>> get_profile("smoke").seams.seeds == SeamsSeeds()
    True
    >>> SeamsSeeds().neither
    1
    """

    neither: int = 1  # the draw of the random tanh MLP generator gen.neither (both chapters)
    # chapter "Jacobians, singular-vector paths and seams"
    test_latents: int = 0  # torch.Generator of the 256 latent test points z_test
    density_samples: int = 1  # gen.sample seed of the push-forward density check
    seam_draws: int = 2  # torch.Generator of the 1-D draws of the seam-density check
    rotated_c1c2: int = 3  # exercise 1: the random rotation of gen.c1c2
    # chapter "Disentanglement = C1 + C2"
    factor_samples: int = 0  # gen.sample seed of the seam-coordinate samples (Def. D1)
    independence: int = 0  # permutation null of the seam-independence test
    family_latents: int = 4  # torch.Generator of the latent points of the Thm. 5.2 family
    vae_data: int = 0  # gen.sample seed of the VAE training data (c1c2 + noise)
    posterior_draw: int = 0  # torch.Generator of the posterior sample z where Eq. 6 is scored
    exercise_samples: int = 0  # gen.sample seed of the c1_only exercise


@dataclass(frozen=True)
class IdentifiabilitySeeds:
    """Random seeds of the chapter "Identifiability", the same in every profile.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.config_seeds import IdentifiabilitySeeds
    >>> get_profile("smoke").identifiability.seeds == IdentifiabilitySeeds()
    True
    >>> IdentifiabilitySeeds().hessian_points
    11
    """

    c1c2: int = 0  # the seeded rotation of the c1c2 generator in R^3
    hessian_points: int = 11  # generators.sample seed of the tangent-Hessian latent points
    isotropic: int = 0  # numpy Generator of the isotropic decoder's orthonormal columns
    linear_data: int = 3  # torch.Generator of the data of the linear case (Remark 6.2)
    eval_points: int = 2  # generators.sample seed of the held-out noise-free points
    vae_data: int = 1  # generators.sample seed of the VAE training data
    bss_train: int = 3  # sources of the BSS training data (Cor. 6.7)
    bss_eval: int = 4  # sources of the BSS held-out data
    bss_noise: int = 5  # torch.Generator of the BSS training noise
    gauss_latents: int = 8  # torch.Generator of the Gaussian latents of Remark 6.8
    bss_latents: int = 9  # sources rotated in Remark 6.8 (non-Gaussian prior)
    elbo_data: int = 7  # generators.sample seed of the optimal-ELBO data points (Remark 6.8)


@dataclass(frozen=True)
class MetricsSeeds:
    """Random seeds of the chapter "Measuring disentanglement", the same in every profile.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.config_seeds import MetricsSeeds
    >>> get_profile("smoke").metrics.seeds == MetricsSeeds()
    True
    >>> MetricsSeeds().repeat_codes
    100
    """

    codes: int = 0  # the toy dSprites codes of the worked examples
    mig_cases: int = 1  # the identity-with-noise and pure-noise codes of the MIG section
    aas: int = 2  # the random permuted diagonal matrices of the AAS section
    grams: int = 3  # the random Gram matrices of the normalised off-diagonal section
    dto: int = 4  # the random orthogonal matrices of the DtO-vs-MILP check
    od_score: int = 5  # the random matrices of the OD-score section (both cells)
    rotation_codes: int = 6  # the codes rotated in "One family, every metric"
    repeat_codes: int = 100  # codes of repeat r of the implementations table (repeat_codes + r)
    aas_exercise: int = 7  # exercise: the random matrices of the AAS lower bound
    angle_codes: int = 8  # exercise: the codes of the single-angle latent
    angle_noise: int = 9  # exercise: the noise of the collapsed latent in that exercise
