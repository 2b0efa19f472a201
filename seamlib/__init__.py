"""seamlib: the executable companion to *Unpicking Data at the Seams* (Allen, 2025).

Why do VAEs disentangle? Diagonal posterior covariances push the decoder Jacobian towards
orthogonal columns (C1) whose singular values each depend on one latent (C2); the
push-forward density then factorises along *seams*. The modules are named after the
paper's concepts:

``config``      sizes for every experiment, chosen by ``SEAMLIB_PROFILE``
``book``        what only the chapters need: ``book.claims`` (``check`` a numbered claim
                of the paper, record it in the ledger), ``book.ledger``, glue and tables,
                and the chapters' figures (``book.plots``)
``theory``      the exact mathematics, one module per concept: ``theory.linear`` (PPCA,
                the linear VAE), ``theory.posterior`` and ``theory.eq6`` (optimal
                posteriors, Eq. 6), ``theory.jacobian``, ``theory.seams``,
                ``theory.scores`` (Jacobians, s.v. paths, seams, C1/C2 scores),
                ``theory.generators`` (ground-truth decoders with known properties),
                ``theory.factorisation``, ``theory.identify``, ``theory.reizinger``
``align``       matching up to permutation and sign (the one signed-permutation matcher)
``metrics``     MIG, AAS, DtO, MCC, ... (Appendix E), one module per metric family
``data``        procedural dSprites, dSprites/CelebA loaders, synthetic data
``engine``      the VAE engine, one module per step: ``engine.models``, ``engine.config``,
                ``engine.data``, ``engine.fit``, ``engine.rundir``, ``engine.runs``,
                ``engine.evaluate``, ``engine.train``, ``engine.sweep``; the CLI is
                ``python -m seamlib``
``experiments`` experiments on trained VAEs: one pipeline (``experiments.pipeline``:
                runs -> summaries -> stored results), with each data set's grids and
                summaries in ``experiments.dsprites`` and ``experiments.faces``, the
                dSprites pilot (``experiments.pilot``) and the small VAEs

Dependencies point down: book > experiments > CLI > engine > theory > metrics > align;
the base modules (config, config_seeds, errors, provenance, data) import none of them,
and no import cycle anywhere (checked by import-linter and ``tests/test_layering.py``).
"""

__version__ = "0.1.0"
