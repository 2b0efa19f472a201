"""Data sets: procedural dSprites, the official dSprites file, CelebA, LFW and synthetic data.

- ``dsprites``: :func:`render` draws dSprites images from the measured rules; the
  :class:`DSprites` set (:func:`procedural_dsprites`, :func:`load_dsprites`).
- ``celeba``: :func:`load_celeba` (torchvision or Kaggle layout, 64 x 64 uint8).
- ``faces``: :func:`load_lfw` (scikit-image's offline LFW subset).
- ``synthetic``: linear Gaussian, Rolinek et al.'s Synth. Lin. / Non-Lin., the Fig. 6 rings.

Files are cached under ``$SEAMLIB_DATA`` (default ``~/.cache/seamlib``), see
:func:`cache_dir`. Heavy optional packages (scikit-image, pooch) are imported lazily.
"""

from seamlib.data._cache import DATA_ENV_VAR, cache_dir
from seamlib.data.celeba import CELEBA_ATTRIBUTES, CelebA, load_celeba
from seamlib.data.dsprites import DSprites, load_dsprites, procedural_dsprites
from seamlib.data.dsprites_render import (
    FACTOR_NAMES,
    FACTOR_SIZES,
    N_IMAGES,
    RENDERER_VERSION,
    SHAPES,
    classes_to_values,
    factor_values,
    flat_index,
    latents_classes,
    latents_values,
    render,
    render_all,
    render_indices,
    sample_indices,
)
from seamlib.data.faces import LFWSubset, load_lfw
from seamlib.data.synthetic import (
    Synthetic,
    SynthNonLinMLP,
    linear_gaussian,
    random_loading,
    rings,
    synth_lin,
    synth_lin_map,
    synth_nonlin,
    synth_nonlin_mlp,
)

__all__ = [
    "DATA_ENV_VAR",
    "cache_dir",
    "CELEBA_ATTRIBUTES",
    "CelebA",
    "load_celeba",
    "FACTOR_NAMES",
    "FACTOR_SIZES",
    "N_IMAGES",
    "RENDERER_VERSION",
    "SHAPES",
    "DSprites",
    "classes_to_values",
    "factor_values",
    "flat_index",
    "latents_classes",
    "latents_values",
    "load_dsprites",
    "procedural_dsprites",
    "render",
    "render_all",
    "render_indices",
    "sample_indices",
    "LFWSubset",
    "load_lfw",
    "Synthetic",
    "SynthNonLinMLP",
    "linear_gaussian",
    "random_loading",
    "rings",
    "synth_lin",
    "synth_lin_map",
    "synth_nonlin",
    "synth_nonlin_mlp",
]
