"""seamlib.config: one profile chooses every size."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from seamlib import config, config_seeds
from seamlib.errors import ConfigError


def test_default_is_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    assert config.get_profile().name == "laptop"


@pytest.mark.parametrize("name", config.PROFILES)
def test_env_var_selects_profile(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(config.ENV_VAR, name.upper())
    assert config.get_profile().name == name


def test_unknown_profile_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_VAR, "huge")
    msg = r"Unknown seamlib profile .huge.*smoke, laptop, paper"
    with pytest.raises(ConfigError, match=msg):
        config.get_profile()
    with pytest.raises(ValueError, match="argument"):
        config.get_profile("tiny")


def test_overrides_name_real_fields() -> None:
    """A typo in SMOKE/PAPER would silently do nothing: every override must be a field."""
    for f in dataclasses.fields(config.Profile):
        if f.name == "name":
            continue
        section = f.default_factory  # type: ignore[misc]
        names = {x.name for x in dataclasses.fields(section)}
        for overrides in (section.SMOKE, section.PAPER):
            assert set(overrides) <= names, (section.__name__, set(overrides) - names)


def test_smoke_is_smaller_than_paper() -> None:
    smoke, paper = config.get_profile("smoke"), config.get_profile("paper")
    assert smoke.linear.steps < paper.linear.steps
    assert smoke.train.steps < paper.train.steps
    assert len(smoke.dsprites.betas) <= len(paper.dsprites.betas)


def test_profiles_are_frozen() -> None:
    cfg = config.get_profile("smoke")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.linear.steps = 1  # type: ignore[misc]


def test_project_root_found_from_subfolder(monkeypatch: pytest.MonkeyPatch) -> None:
    root = config.project_root()
    assert (root / "_toc.yml").is_file()
    monkeypatch.chdir(root / "book")
    assert config.project_root() == root


# Every seed of a chapter lives in its section's ``seeds`` dataclass.
SEEDS = {
    "linear": config_seeds.LinearSeeds,
    "posterior": config_seeds.PosteriorSeeds,
    "seams": config_seeds.SeamsSeeds,
    "identifiability": config_seeds.IdentifiabilitySeeds,
    "metrics": config_seeds.MetricsSeeds,
}
SEEDED_CHAPTERS = (
    "linear_models",
    "metrics",
    "metrics_practice",
    "optimal_posteriors",
    "seams",
    "disentanglement",
    "identifiability",
    "identifiability_vaes",
    "collapse",
)
BOOK = Path(__file__).resolve().parents[1] / "book"
# A literal seed: default_rng(3), manual_seed(4), seed=1, seed=200 + k, 100 + seed.
LITERAL_SEED = re.compile(
    r"default_rng\(\s*\d|manual_seed\(\s*\d|\bseed\s*=\s*\d|\b\d+\s*[-+*]\s*seed\b"
)


def _code_lines(chapter: str) -> list[tuple[int, str]]:
    """(line number, line) of every line inside a ```{code-cell} block of book/<chapter>.md."""
    lines, inside = [], False
    text = (BOOK / f"{chapter}.md").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not inside and line.startswith("```{code-cell}"):
            inside = True
        elif inside and line.strip() == "```":
            inside = False
        elif inside:
            lines.append((number, line))
    return lines


@pytest.mark.parametrize("section", sorted(SEEDS))
def test_seeds_are_ints_shared_by_every_profile(section: str) -> None:
    cls = SEEDS[section]
    seeds = [getattr(config.get_profile(name), section).seeds for name in config.PROFILES]
    assert all(type(s) is cls for s in seeds)
    assert all(s == seeds[0] for s in seeds), section
    assert dataclasses.fields(cls), cls.__name__
    for f in dataclasses.fields(cls):
        value = getattr(seeds[0], f.name)
        assert type(value) is int and value >= 0, (cls.__name__, f.name, value)


def test_every_seed_is_used_by_a_chapter() -> None:
    """Each seed is used by a chapter's code, or by the experiment code a chapter runs."""
    code = "\n".join(line for ch in SEEDED_CHAPTERS for _, line in _code_lines(ch))
    code += "\n".join(p.read_text() for p in (BOOK.parent / "seamlib" / "experiments").glob("*.py"))
    for cls in SEEDS.values():
        unused = [f.name for f in dataclasses.fields(cls) if f"seeds.{f.name}" not in code]
        assert not unused, f"{cls.__name__} fields no chapter uses: {unused}"


def test_chapters_have_no_literal_seeds() -> None:
    found = [
        f"book/{ch}.md:{number}: {line.strip()}"
        for ch in SEEDED_CHAPTERS
        for number, line in _code_lines(ch)
        if LITERAL_SEED.search(line)
    ]
    assert not found, "literal seeds (move them to seamlib.config):\n" + "\n".join(found)
