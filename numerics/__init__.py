"""rankbounds.numerics: measure rank quantities on trained networks and evaluate `theory` bounds on them.

Submodules are imported on demand (``import numerics.ranks``); this package imports nothing heavy.
``numerics.analyze`` (per-layer rank measures of any torch model) is loaded on first use.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("rankbounds")
except _metadata.PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"


__all__ = ["analyze", "__version__"]


def __getattr__(name: str):
    # `numerics.analyze` is the function, imported (with torch) only when first asked for.
    if name == "analyze":
        from numerics.analyze import analyze

        globals()["analyze"] = analyze  # importing the submodule bound the name to it; bind the function
        return analyze
    raise AttributeError(f"module 'numerics' has no attribute {name!r}")
