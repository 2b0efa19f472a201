"""The paper's experiments on trained VAEs: dSprites (Fig. 5, Fig. 7, the published tables),
faces (CelebA / LFW) and the small VAEs of the chapter on C1 and C2.

* ``pipeline``: the one pipeline of every experiment trained by the engine, trained runs ->
  summaries -> stored results file with provenance (finding finished runs, cached
  summaries, what trained each run, keeping runs stored earlier, untrained controls);
  a data set's module adds only its grids and its own summary of a run;
* ``common``: model evaluation shared by the summaries (Eq. 6 terms of a trained VAE,
  encoding, stored images, untrained models, statistics over seeds);
* ``pilot``: the learning curves of the dSprites pilot, and the budget they choose;
* ``dsprites``: grids, per-run summaries and claim statistics of the dSprites chapters, with
  ``dsprites_data`` (training subsets, held-out images) and ``dsprites_stats`` (statistics);
* ``faces``: grids, per-run summaries and claim statistics of the faces chapter, with
  ``faces_data`` (which data set, the CelebA fixture, held-out faces);
* ``small_vaes``: the small VAEs on the ``c1c2`` generator (P1 and Lemma 4.1, diagonal
  against full posteriors), and how that comparison changes with the training size;
* ``published``: the published numbers our results are set beside, as data.

Experiments sit on top of the engine: they write grids, train through
:func:`seamlib.engine.sweep.launch` (never the CLI, and without touching ``os.environ``), then
summarise the runs with :mod:`seamlib.metrics` and :mod:`seamlib.theory`.
"""

__all__: list[str] = []
