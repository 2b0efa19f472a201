"""seamlib.config: one profile chooses every size."""

from __future__ import annotations

import dataclasses

import pytest

from seamlib import config
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
    msg = r"Unknown seamlib profile .huge.*smoke, laptop, cpu, paper"
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
        for overrides in (section.SMOKE, section.PAPER, section.CPU):
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
