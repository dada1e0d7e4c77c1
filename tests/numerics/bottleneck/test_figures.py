"""numerics.bottleneck.figures: every figure is returned as a matplotlib Figure, none is saved, and
the session's backend is left as it was."""

from __future__ import annotations

import pytest

import numerics.bottleneck.experiment as nb
from numerics.bottleneck.config import PROFILES


def _fast_nets():
    return [(cfg, *nb.trained_network(cfg), None) for cfg in PROFILES["test"].master_inequality.configs]


def test_figures_are_returned_not_saved():
    import matplotlib
    from matplotlib.figure import Figure

    from numerics.bottleneck.figures import depth_figure, heatmap_figure, representation_figure

    backend = matplotlib.get_backend()
    cfg, model, task, _res, _s = _fast_nets()[-1]
    fig = heatmap_figure([model], [cfg.depth])
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # one panel + colour bar
    fig = representation_figure(model, task.x, task.z, layers=[2, 4], k=task.k)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    with pytest.raises(ValueError, match="hidden layers"):
        representation_figure(model, task.x, task.z, layers=[cfg.depth], k=task.k)
    import pandas as pd

    fig = depth_figure(pd.DataFrame({"depth": [4, 8], "k": [2, 2], "theta_norm2_over_L": [8.0, 5.0],
                                     "deviation_fraction": [1.0, 0.25], "tail_rms": [0.5, 0.3]}))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert matplotlib.get_backend() == backend
