"""One large gradient step (Moniri, Lee, Hassani, Dobriban, arXiv 2310.07891): spikes in the feature spectrum.

Exported: one draw of the one-step features and its measurement (numpy and scipy, no torch). The
registered experiments are `numerics.spikes.experiment` (``count``, ``strength``), not imported here.
"""

from numerics.spikes.measure import OneStepDraw, SpikeMeasurement, draw

__all__ = ["OneStepDraw", "SpikeMeasurement", "draw"]
