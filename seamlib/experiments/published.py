"""Published numbers that the experiments set our results beside, as data.

Each table is transcribed from the paper named in its comment, with the training settings
the paper states; the chapters print them next to our measurements.
"""

from __future__ import annotations

__all__ = [
    "ROLINEK_TABLE2_DSPRITES",
    "BHOWAL_TABLE4_DSPRITES",
    "ROLINEK_BETA",
    "ROLINEK_D",
    "BHOWAL_BETA",
    "BHOWAL_HIDDEN",
    "ROLINEK_TRAIN_IMAGES",
    "ROLINEK_RANDOM_DECODER_DTO",
]

#: Published dSprites numbers of Rolinek et al. (2019), Table 2 (mean, std over restarts):
#: their MLP (Table S3: encoder 1200-1200 ReLU, decoder 1200-1200-1200 tanh, d = 5), 50 epochs
#: of AdaGrad (lr 1e-2), beta = 4 for the beta-VAEs. "Disent." is their kNN score (Suppl.
#: 8.1), "DtO" their distance to orthogonality (Eq. 29).
ROLINEK_TABLE2_DSPRITES: dict[str, dict[str, tuple[float, float]]] = {
    "beta-VAE": {"disent": (0.33, 0.15), "dto": (0.76, 0.08)},
    "VAE": {"disent": (0.21, 0.10), "dto": (1.08, 0.15)},
    "beta-VAE (full)": {"disent": (0.12, 0.06), "dto": (1.73, 0.14)},
}

#: Published dSprites MIG of Bhowal et al. (2024), Table 4 (mean, std): MLP encoder and
#: decoder 1200-1200 (ReLU), Adam (lr 1e-3), beta = 6 for the beta-VAE (their Table 3).
BHOWAL_TABLE4_DSPRITES: dict[str, tuple[float, float]] = {
    "beta-VAE": (0.25, 0.10),
    "VAE": (0.16, 0.05),
}

#: Rolinek et al. (2019), Table 2, dSprites: DtO of a random (untrained) decoder (mean, std).
ROLINEK_RANDOM_DECODER_DTO: tuple[float, float] = (1.86, 0.11)

ROLINEK_BETA = 4.0  # Rolinek et al., Table S3
ROLINEK_D = 5
#: Images Rolinek et al.'s table runs see: 50 epochs of an 80 % training split of the
#: 737,280 dSprites images (Bhowal et al. do not state their training length).
ROLINEK_TRAIN_IMAGES = 50 * 589_824
BHOWAL_BETA = 6.0  # Bhowal et al., Table 3
BHOWAL_HIDDEN = (1200, 1200)
