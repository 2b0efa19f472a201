"""Jupyter settings for this repository, read by ``make lab`` and the interactive tests.

``make lab`` puts this folder on ``JUPYTER_CONFIG_PATH``, so it adds to (and does not
replace) your own ``~/.jupyter`` configuration. It points JupyterLab at the settings
overrides kept next to it (``lab/settings/overrides.json``), which make "Jupytext Notebook"
the default viewer of Markdown files: a double click on ``book/*.md`` opens the chapter as a
notebook, and saving writes the ``.md`` back through jupytext's contents manager (no
``.ipynb`` is created; see ``jupytext.toml`` at the project root).
"""

from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (injected by traitlets)

HERE = Path(__file__).resolve().parent
c.LabApp.app_settings_dir = str(HERE / "lab" / "settings")
