"""rankbounds.numerics: measure rank quantities on trained networks and evaluate `theory` bounds on them.

Submodules are imported on demand (``import numerics.ranks``); this package imports nothing heavy.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("rankbounds")
except _metadata.PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"
