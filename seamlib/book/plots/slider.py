"""An image slider that is live in Jupyter and still works on the static website.

:func:`image_slider` returns one object whose display carries two representations:

* ``application/vnd.jupyter.widget-view+json``: an ipywidgets ``FloatSlider`` above an
  ``Image``. In JupyterLab the kernel re-renders the picture at every position of the slider
  (any angle, not only precomputed ones).
* ``text/html``: the same picture precomputed at a grid of values, with a plain HTML range
  input and a few lines of inline JavaScript that swap the frames. It needs no kernel, no
  widget manager and nothing from a CDN; the book's HTML build renders this one (``_config.yml``
  drops the widget view for the ``html`` builder).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

__all__ = ["png", "static_slider_html", "ImageSlider", "image_slider"]

_ids = itertools.count()


def png(fig: Figure, *, dpi: float | None = None) -> bytes:
    """Encode a figure as PNG bytes and close it.

    Parameters
    ----------
    fig : Figure
        The figure (closed afterwards, so that Jupyter does not display it as well).
    dpi : float, optional
        Resolution; default: the style's ``savefig.dpi``.

    Returns
    -------
    bytes
        The PNG file.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.slider import png
    >>> png(plt.figure(figsize=(1, 1)))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi if dpi is not None else "figure")
    plt.close(fig)
    return buf.getvalue()


def static_slider_html(
    frames: Sequence[bytes],
    values: ArrayLike,
    *,
    index: int = 0,
    description: str = "",
    alt: str = "",
) -> str:
    """Self-contained HTML: a range input that swaps precomputed PNG frames (no kernel).

    Parameters
    ----------
    frames : sequence of bytes, length k
        PNG images, one per value.
    values : array, shape (k,)
        The slider values the frames were rendered at (shown next to the slider).
    index : int
        The frame shown first.
    description : str
        Label in front of the slider.
    alt : str
        Alternative text of the image.

    Returns
    -------
    str
        A ``<div class="seamlib-slider">`` holding the input, the image, the frames (base64, in
        a JSON script element) and an inline script; several sliders on one page are
        independent.

    Raises
    ------
    ValueError
        If ``frames`` and ``values`` differ in length, or ``index`` is out of range.

    Examples
    --------
    >>> from seamlib.book.plots.slider import static_slider_html
    >>> page = static_slider_html([b"a", b"b"], [0.0, 1.0], index=1, description="t")
    >>> 'type="range"' in page and 'max="1"' in page and 'value="1"' in page
    True
    """
    vals = np.asarray(values, dtype=float).ravel()
    if len(frames) != vals.size or not frames:
        raise ValueError(
            f"static_slider_html needs one frame per value; got {len(frames)} frames and "
            f"{vals.size} values. Render a frame at each value."
        )
    if not 0 <= index < len(frames):
        raise ValueError(f"index {index} is out of range 0..{len(frames) - 1}.")
    uid = f"seamlib-slider-{next(_ids)}"
    data = [base64.b64encode(f).decode("ascii") for f in frames]
    label = html.escape(description)
    return (
        f'<div class="seamlib-slider" id="{uid}">'
        f'<label style="display:flex;align-items:center;gap:0.6em">{label}'
        f'<input type="range" min="0" max="{len(frames) - 1}" step="1" value="{index}" '
        f'aria-label="{label}" style="width:20em">'
        f"<output>{vals[index]:.2f}</output></label>"
        f'<img alt="{html.escape(alt)}" style="max-width:100%" '
        f'src="data:image/png;base64,{data[index]}">'
        f'<script type="application/json" class="seamlib-slider-frames">'
        f"{json.dumps({'values': vals.round(6).tolist(), 'frames': data})}</script>"
        "<script>(function () {"
        f'var root = document.getElementById("{uid}");'
        'var d = JSON.parse(root.querySelector(".seamlib-slider-frames").textContent);'
        'var input = root.querySelector("input"), img = root.querySelector("img"),'
        ' out = root.querySelector("output");'
        'input.addEventListener("input", function () {'
        "var i = Number(input.value);"
        'img.src = "data:image/png;base64," + d.frames[i];'
        "out.textContent = d.values[i].toFixed(2);});"
        "})();</script></div>"
    )


class ImageSlider:
    """A live ipywidgets slider with a precomputed HTML fallback (see :func:`image_slider`).

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
        The live slider; moving it re-renders ``image``.
    image : ipywidgets.Image
        The live picture.
    widget : ipywidgets.VBox
        Slider above image, what Jupyter displays.

    Examples
    --------
    >>> from seamlib.book.plots.slider import ImageSlider
    >>> s = ImageSlider(lambda t: b"%.1f" % t, [0.0, 1.0], value=0.0, step=0.1,
    ...                 description="t", alt="")
    >>> s.slider.value = 1.0
    >>> bytes(s.image.value)
    b'1.0'
    """

    def __init__(
        self,
        render: Callable[[float], bytes],
        values: ArrayLike,
        *,
        value: float,
        step: float,
        description: str,
        alt: str,
    ) -> None:
        import ipywidgets as widgets

        self.render = render
        self.values = np.asarray(values, dtype=float).ravel()
        self.description = description
        self.alt = alt
        self.slider = widgets.FloatSlider(
            value=value,
            min=float(self.values.min()),
            max=float(self.values.max()),
            step=step,
            description=description,
            continuous_update=False,
        )
        self.image = widgets.Image(value=render(value), format="png")
        self.slider.observe(self._update, names="value")
        self.widget = widgets.VBox([self.slider, self.image])

    def _update(self, change: dict[str, Any]) -> None:
        self.image.value = self.render(float(change["new"]))

    def static_html(self) -> str:
        """The kernel-free HTML slider: every value of the grid rendered once."""
        frames = [self.render(float(v)) for v in self.values]
        index = int(np.argmin(np.abs(self.values - self.slider.value)))
        return static_slider_html(
            frames, self.values, index=index, description=self.description, alt=self.alt
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.static_html()
        return bundle


def image_slider(
    render: Callable[[float], bytes],
    values: ArrayLike,
    *,
    value: float | None = None,
    step: float = 0.01,
    description: str = "",
    alt: str = "",
) -> ImageSlider:
    """A slider over ``values`` whose picture is ``render(value)``: live, and kernel-free.

    Parameters
    ----------
    render : callable float -> bytes
        Draws the picture (PNG bytes, e.g. via :func:`png`) at one slider value.
    values : array, shape (k,)
        Grid of the static (website) slider; its range is the live slider's range too.
    value : float, optional
        Initial value; default: the first of ``values``.
    step : float
        Step of the live slider.
    description, alt : str
        Slider label and the image's alternative text.

    Returns
    -------
    ImageSlider
        Display it (last expression of a cell). Jupyter shows the live widget; the HTML build
        shows the precomputed frames with a JavaScript slider.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.slider import image_slider, png
    >>> def draw(t):
    ...     fig, ax = plt.subplots(figsize=(1, 1))
    ...     ax.plot([0, t], [0, 1])
    ...     return png(fig, dpi=20)
    >>> s = image_slider(draw, [0.0, 0.5, 1.0], value=0.5, description="t")
    >>> s.slider.value = 1.0  # what moving the slider does: the picture is re-rendered
    >>> s.image.value == draw(1.0)
    True
    >>> sorted(s._repr_mimebundle_())[:2]
    ['application/vnd.jupyter.widget-view+json', 'text/html']
    """
    vals = np.asarray(values, dtype=float).ravel()
    start = float(vals[0]) if value is None else float(value)
    return ImageSlider(render, vals, value=start, step=step, description=description, alt=alt)
