"""What only the book's chapters need: claims and their ledger, tables and glue helpers for
the prose, and the chapters' measured run times.

* ``claims``: the claims registry (``claims_registry.jsonl``), ``claims.check`` and the
  reviewed list of known failures;
* ``ledger``: the ledger of every check, its comparison with a stored snapshot and the
  drift each kind of check may show (``python -m seamlib.book.ledger``);
* ``report``: :class:`~seamlib.book.report.Table`, the tables chapters glue into their prose;
* ``tables``: glue helpers for numbers, words and plain text in the prose;
* ``chapter_times``: each chapter's measured run time (``python -m seamlib.book.chapter_times``);
* ``published_tables`` and ``performance``: the published tables beside ours, and the performance
  page's benchmark tables;
* ``plots``: the book's plot style (``plots.use_style``) and each chapter's figures, one
  module per chapter (``plots.linear``, ``plots.dsprites``, ...), drawn from the library's
  results.

This is the top layer: it may use the whole library, and the library proper (theory,
metrics, data, engine, experiments) imports nothing from here.
"""

__all__: list[str] = []
