"""optarium's own methods for structured nonlinear problems, each after a published paper.

- :mod:`~optarium.nonlinear_methods.eal`: an adaptive inexact Newton method on the exact
  augmented Lagrangian with randomized iterative sketching (Hong, Na, Mahoney, Kolar, ICML 2023).
- :mod:`~optarium.nonlinear_methods.relu_convex`: two-layer ReLU training to global optimality
  through its convex reformulation, solved by ADMM (Bai, Gautam, Sojoudi, 2022).
- :mod:`~optarium.nonlinear_methods.notears_swaps`: NOTEARS objectives optimized by topological
  swaps (Deng et al., ICML 2023), and the original continuous NOTEARS for comparison.

Import the submodule you need; this package imports nothing heavy.
"""

from __future__ import annotations
