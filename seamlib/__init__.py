"""seamlib: the executable companion to *Unpicking Data at the Seams* (Allen, 2025).

Why do VAEs disentangle? Diagonal posterior covariances push the decoder Jacobian towards
orthogonal columns (C1) whose singular values each depend on one latent (C2); the
push-forward density then factorises along *seams*. The modules are named after the
paper's concepts:

``config``      sizes for every experiment, chosen by ``SEAMLIB_PROFILE``
``claims``      ``check`` a numbered claim of the paper, record it in the ledger
``linear``      PPCA and the linear VAE (Eq. 2-4, Cor. 6.1)
``posterior``   optimal Gaussian posteriors and the Eq. 6 identity
``geometry``    Jacobians, singular-vector paths, seams, C1/C2 scores
``generators``  ground-truth decoders with known properties
``metrics``     MIG, AAS, DtO, MCC, ... (Appendix E)
``data``        procedural dSprites, dSprites/CelebA loaders, synthetic data
``models``, ``train``, ``sweep``  the VAE engine and its CLI
"""

__version__ = "0.1.0"
