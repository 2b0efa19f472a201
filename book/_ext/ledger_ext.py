"""Sphinx extension: the ``claims-ledger`` directive renders the claims ledger as a table.

The table is built at *write* time (``doctree-resolved``), after every chapter has executed
during the read phase and recorded its ``seamlib.book.claims.check`` calls, so the table always
shows this build's checks whatever order Sphinx reads the chapters in. Pages holding the
directive are re-read on every build (``env-get-outdated``) so the table never goes stale.

Usage in a MyST page::

    ```{claims-ledger}
    :summary:
    ```

Both forms open with the counts per status and a table with one row per claim (statement,
chapter, status, number of checks); without ``:summary:`` every recorded check follows,
folded per claim (an HTML ``<details>`` block), with its measured value, tolerance and
profile. Inline ``$...$`` in a claim's statement is rendered as math.

**Per-profile builds.** At ``config-inited`` the extension reads the build's profile
(``SEAMLIB_PROFILE``, see :func:`seamlib.config.profile_name`) into the config value
``seamlib_profile`` and points myst-nb's execution cache at ``_build/.jupyter_cache/<profile>``
(``_config.yml`` cannot read environment variables). ``seamlib_profile`` is an "env" config
value, so building under another profile re-reads every page, each profile executes into
its own cache, and the ledger table shows only ``_build/ledger/<profile>``: a build shows
the outputs and ledger items of the profile it was built with and no other.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from seamlib.book import claims
from seamlib.config import profile_name

logger = logging.getLogger(__name__)

_STATUS_CLASS = {
    "checked": "ledger-ok",
    "not reproduced": "ledger-warn",
    "failed": "ledger-fail",
    "not yet checked": "ledger-todo",
}


class ledger_placeholder(nodes.General, nodes.Element):  # noqa: N801 (docutils convention)
    """Replaced by the table at write time."""


class ClaimsLedgerDirective(SphinxDirective):
    has_content = False
    option_spec = {"summary": directives.flag}

    def run(self) -> list[nodes.Node]:
        docs = getattr(self.env, "seamlib_ledger_docs", set())
        docs.add(self.env.docname)
        self.env.seamlib_ledger_docs = docs  # type: ignore[attr-defined]
        node = ledger_placeholder()
        node["summary"] = "summary" in self.options
        return [node]


def _ledger_folder(app: Sphinx) -> Path:
    env = os.environ.get(claims.LEDGER_ENV)
    base = Path(env) if env else Path(app.srcdir) / "_build" / "ledger"
    return base / app.config.seamlib_profile


def cache_path(outdir: Path | str, configured: str, profile: str) -> str:
    """myst-nb execution cache folder for ``profile``.

    ``configured`` is ``execute.cache`` of ``_config.yml`` (empty: myst-nb's default,
    ``<outdir>/../.jupyter_cache``); the profile is appended so profiles never share a cache.

    >>> cache_path("/b/_build/html", "", "smoke")
    '/b/_build/.jupyter_cache/smoke'
    >>> cache_path("/b/_build/html", "/tmp/c", "paper")
    '/tmp/c/paper'
    """
    base = Path(configured) if configured else Path(outdir).parent / ".jupyter_cache"
    return str(base / profile)


def _configure_profile(app: Sphinx, config: Any) -> None:
    profile = profile_name()  # the kernels read the same variable
    config.seamlib_profile = profile
    config.nb_execution_cache_path = cache_path(
        app.outdir, str(config.nb_execution_cache_path or ""), profile
    )


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        head = ", ".join(f"{v:.4g}" for v in value[:3])
        return f"[{head}{', ...' if len(value) > 3 else ''}] ({len(value)} values)"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(header: list[str], rows: list[list[nodes.Node]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["claims-ledger", "colwidths-given"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    thead = nodes.thead()
    group += thead
    head_row = nodes.row()
    for h in header:
        head_row += nodes.entry("", nodes.paragraph(text=h))
    thead += head_row
    tbody = nodes.tbody()
    group += tbody
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", cell)
        tbody += row
    return table


def _chapter_link(app: Sphinx, fromdoc: str, chapter: str) -> nodes.Node:
    target = f"book/{chapter}"
    para = nodes.paragraph()
    if target in app.env.found_docs:
        title = app.env.titles.get(target)
        text = title.astext() if title is not None else chapter
        uri = app.builder.get_relative_uri(fromdoc, target)
        para += nodes.reference("", text, internal=True, refuri=uri)
    else:
        para += nodes.Text(chapter)
    return para


def _status(status: str) -> nodes.Node:
    para = nodes.paragraph()
    para += nodes.strong(text=_STATUS_LABEL[status], classes=[_STATUS_CLASS[status]])
    return para


def _mark(rec: dict[str, Any]) -> str:
    status = claims.record_status(rec)
    if status == "not reproduced":
        return f"not reproduced (expected: {rec.get('reason', '')})"
    return {
        "pass": "pass",
        "fail": "FAIL",
        "unexpected pass": "FAIL: unexpected pass",
        "control failed": "control fails, as it must",
        "control passed": "FAIL: the control passes",
    }.get(status, status)


def _check_text(rec: dict[str, Any]) -> str:
    tol = f" (tol {rec['tol']:.3g}{' rel' if rec['rel'] else ''})" if rec["tol"] else ""
    mark = _mark(rec)
    item = f"{rec['item']}: " if rec["item"] else ""
    note = f" — {rec['note']}" if rec.get("note") else ""
    return (
        f"{item}measured {_fmt(rec['measured'])} {rec['op']} {_fmt(rec['expected'])}{tol} "
        f"[{mark}, {rec['profile']}]{note}"
    )


#: What a reader sees for each status of :func:`seamlib.book.claims.summarise`.
_STATUS_LABEL = {
    "checked": "reproduced",
    "not reproduced": "declared not reproduced",
    "failed": "failed",
    "not yet checked": "not checked",
}


def rich_text(text: str) -> list[nodes.Node]:
    """Text with inline ``$...$`` TeX as docutils nodes (math rendered by MathJax).

    >>> [type(n).__name__ for n in rich_text("cov $(I + W^T W)^{-1}$ holds")]
    ['Text', 'math', 'Text']
    >>> rich_text("no math")[0].astext()
    'no math'
    """
    out: list[nodes.Node] = []
    for i, part in enumerate(text.split("$")):
        if not part:
            continue
        out.append(nodes.math(part, part) if i % 2 else nodes.Text(part))
    return out


def _claim_title(r: dict[str, Any]) -> nodes.paragraph:
    name = nodes.paragraph()
    name += nodes.strong(text=r["name"])
    name += nodes.Text(" — ")
    name += rich_text(r["statement"])
    return name


def _details(summary: list[nodes.Node], body: list[nodes.Node]) -> list[nodes.Node]:
    """A block folded away until the reader opens it (HTML ``<details>``)."""
    head = nodes.raw("", '<details class="ledger-claim"><summary>', format="html")
    mid = nodes.raw("", "</summary>", format="html")
    tail = nodes.raw("", "</details>", format="html")
    line = nodes.inline()
    for node in summary:
        line += node
    return [head, line, mid, *body, tail]


def _build(app: Sphinx, fromdoc: str, summary: bool) -> list[nodes.Node]:
    profile = app.config.seamlib_profile
    records = claims.read_ledger(_ledger_folder(app))
    records = [r for r in records if r.get("profile") == profile]
    rows = claims.summarise(records)
    counts = {s: sum(r["status"] == s for r in rows) for s in _STATUS_LABEL}
    n_known = sum(claims.record_status(r) == "not reproduced" for r in records)
    lead = nodes.paragraph()
    lead += nodes.Text(f"Profile {profile}, {len(rows)} claims: ")
    parts = [(s, n) for s, n in counts.items() if n or s != "failed"]
    for i, (status, n) in enumerate(parts):
        lead += nodes.strong(text=f"{n} {_STATUS_LABEL[status]}", classes=[_STATUS_CLASS[status]])
        lead += nodes.Text(", " if i < len(parts) - 1 else "")
    lead += nodes.Text(
        f". {len(records)} recorded checks, {n_known} of them declared known failures."
    )
    _warn_stale_declarations(app, records, profile)
    table_rows = [
        [
            _claim_title(r),
            _chapter_link(app, fromdoc, r["chapter"]),
            _status(r["status"]),
            nodes.paragraph(
                text=f"{len(r['checks'])}"
                + (f" + {len(r['controls'])} controls" if r["controls"] else "")
            ),
        ]
        for r in rows
    ]
    out: list[nodes.Node] = [
        lead,
        _table(["Claim", "Chapter", "Status", "Checks"], table_rows, [52, 18, 18, 8]),
    ]
    if summary:
        return out
    section_title = nodes.rubric(text="Every recorded check, per claim (click a claim to open it)")
    out.append(section_title)
    for r in rows:
        line: list[nodes.Node] = [
            nodes.strong(text=r["name"]),
            nodes.Text(" — "),
            nodes.inline(
                text=f"{_STATUS_LABEL[r['status']]}, {len(r['checks'])} checks",
                classes=[_STATUS_CLASS[r["status"]]],
            ),
        ]
        body: list[nodes.Node] = [_claim_title(r), _chapter_link(app, fromdoc, r["chapter"])]
        checks = nodes.bullet_list()
        for rec in r["checks"]:
            checks += nodes.list_item("", nodes.paragraph(text=_check_text(rec)))
        body.append(checks if r["checks"] else nodes.paragraph(text="No check in this build."))
        if r["controls"]:
            body.append(
                nodes.paragraph(text="Negative controls (each must fail the same comparison):")
            )
            controls = nodes.bullet_list()
            for rec in r["controls"]:
                controls += nodes.list_item("", nodes.paragraph(text=_check_text(rec)))
            body.append(controls)
        out += _details(line, body)
    return out


def _warn_stale_declarations(app: Sphinx, records: list[dict[str, Any]], profile: str) -> None:
    """Warn (an error under ``-W``) about declarations no chapter recorded in this build."""
    recorded = {(r["claim"], r["item"]) for r in records}
    path = Path(app.srcdir) / "book" / "known_failures.yml"
    for key, known in claims.load_known_failures(path).items():
        if profile in known.profiles and key not in recorded:
            logger.warning(
                f"book/known_failures.yml declares claim {key[0]!r} item {key[1]!r} for "
                f"profile {profile!r}, but no chapter recorded that check in this build. "
                "Fix the item text to match the check, or remove the entry.",
                type="seamlib",
                subtype="known_failures",
            )


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(ledger_placeholder)):
        node.replace_self(_build(app, docname, node["summary"]))


def _always_outdated(app: Sphinx, env: Any, added: set, changed: set, removed: set) -> list[str]:
    return sorted(getattr(env, "seamlib_ledger_docs", set()) - set(removed))


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "seamlib_ledger_docs", set()).discard(docname)


def setup(app: Sphinx) -> dict[str, Any]:
    # The ledger's statements become math nodes at write time, after Sphinx has decided at
    # read time which pages need MathJax: load it on every page.
    app.set_html_assets_policy("always")
    app.add_config_value("seamlib_profile", "", "env", [str])
    # after myst-nb's own config-inited handlers (default priority 500)
    app.connect("config-inited", _configure_profile, priority=800)
    app.add_node(ledger_placeholder)
    app.add_directive("claims-ledger", ClaimsLedgerDirective)
    app.connect("doctree-resolved", _resolve)
    app.connect("env-get-outdated", _always_outdated)
    app.connect("env-purge-doc", _purge)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
