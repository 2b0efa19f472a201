"""The small VAEs of the chapter on C1 and C2, and the size experiment behind its declarations."""

import json
from dataclasses import replace

import pytest

from seamlib.config import get_profile
from seamlib.experiments import small_vaes as S


@pytest.fixture
def tiny():
    return replace(get_profile("smoke").seams, vae_n=256, vae_steps=20, vae_eval_n=32)


def test_the_control_is_each_seeds_initialisation_and_training_moves_away_from_it(tiny):
    out = S.compare_posteriors(tiny, seeds=2)
    x = S.training_points(tiny)
    for post in ("diag", "full"):
        for seed in range(2):
            vae = S.build_vae(post, seed, hidden=tiny.vae_hidden, sigma2=tiny.vae_noise**2)
            init = S.diagonality_scores(vae.double(), x, tiny)
            for key in S.SCORES:
                assert out["untrained"][post][key][seed] == pytest.approx(init[key], rel=1e-12)
        assert out["trained"][post]["C1 distance"] != out["untrained"][post]["C1 distance"]


def test_mann_whitney_less_is_one_sided():
    low, high = [0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]
    assert S.mann_whitney_less({"diag": {"s": low}, "full": {"s": high}}, "s") == pytest.approx(
        1 / 70
    )
    assert S.mann_whitney_less({"diag": {"s": high}, "full": {"s": low}}, "s") == pytest.approx(1)


def test_size_cli_writes_p_values_with_provenance(tmp_path):
    out = tmp_path / "size.json"
    args = ["size", "--seeds", "2", "--profile", "smoke", "--points", "256:5", "--out", str(out)]
    assert S.main(args) == 0
    doc = json.loads(out.read_text())
    (point,) = doc["points"]
    assert (point["n"], point["steps"], point["seeds"]) == (256, 5, 2)
    assert set(point["p"]) == set(S.SCORES)
    assert 0 < point["p"]["C1 distance"]["trained"] <= 1
    prov = doc["provenance"]
    assert prov["profile"] == "smoke" and prov["seeds"] == [0, 1]
    assert prov["command"].startswith("python -m seamlib.experiments.small_vaes size")
    assert S.load_size_experiment(tmp_path)["points"][0]["n"] == 256
    with pytest.raises(FileNotFoundError, match="small_vaes size"):
        S.load_size_experiment(tmp_path / "elsewhere")


def test_a_size_point_that_is_not_two_positive_integers_is_one_line(capsys):
    with pytest.raises(SystemExit):
        S.main(["size", "--points", "5000"])
    assert "is not N:STEPS with two positive integers" in capsys.readouterr().err


def test_scores_by_model_scores_each_model_as_it_comes_in_order():
    seen = []

    def models():
        for m in (3.0, 1.0):
            seen.append(m)
            yield m

    def score(m):
        assert seen[-1] == m  # scored before the next model is made
        return {"value": m, "square": m * m}

    assert S.scores_by_model(models(), score) == {"value": [3.0, 1.0], "square": [9.0, 1.0]}
    assert S.scores_by_model([], score) == {}
