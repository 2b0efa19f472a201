"""The exact mathematics of Allen (2025), *Unpicking Data at the Seams*, in torch.

One module per concept of the paper, each the one home of its names (the chapters import
from these modules directly):

* ``linear``: PPCA and the linear VAE's objectives (Eq. 2-4, Cor. 6.1);
* ``lvae``: training a linear VAE on its analytic objective;
* ``posterior``: optimal Gaussian posteriors (Sec. 4, App. B);
* ``eq6``: the terms of Eq. 6 / Eq. 9 (one per-point core and its expectations);
* ``jacobian``: decoder Jacobians, their SVD, the directed Hessian (Def. D2);
* ``seams``: singular-vector paths, seams, the push-forward density (Sec. 5, App. C);
* ``scores``: the C1 and C2 scores of Lemma 4.1;
* ``identifiability``: tangent Hessians and seam alignment (Sec. 6);
* ``generators``: ground-truth decoders with known Jacobians and C1/C2 properties;
* ``factorisation``: Lemma 5.1, Theorem 5.2 and Appendix A checked on constructed decoders;
* ``identify``: what a learned decoder identifies (axis alignment of ``g^-1 o d``, Thm. 6.5);
* ``reizinger``: Appendix G's terms on quadratic decoders.

Layering: ``theory`` may import :mod:`seamlib.align`, :mod:`seamlib.metrics` and the base
modules; nothing in ``theory`` imports the engine (models, training) or the experiments.
"""

__all__: list[str] = []
