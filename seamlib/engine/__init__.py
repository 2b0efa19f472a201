"""The VAE engine: configuration, models, data, training, evaluation and sweeps.

One module per step, each the one home of its names; imports point one way only (checked
by import-linter, ``pyproject.toml``), bottom to top:

* ``models``: the VAE, its posteriors, likelihoods and architectures;
* ``config``: :class:`~seamlib.engine.config.TrainConfig` (a run's options, validated), beta
  schedules, the data-set names and the options a resume may change;
* ``data``: loading a run's training data into memory;
* ``fit``: the small in-memory training loop the chapters use;
* ``rundir``: run directories (their files, locking, atomic writes, verified checkpoints);
* ``runs``: reading a stored run (its configuration and trained model);
* ``evaluate``: scoring a model (ELBO, C1 diagonality, MIG, AAS) and a stored run;
* ``train``: the training engine behind ``python -m seamlib train`` (it scores learning
  curves with ``evaluate``);
* ``sweep``: grids of runs, their launchers and results table.

The command line (``python -m seamlib``) lives in ``seamlib/__main__.py``.
"""

__all__: list[str] = []
