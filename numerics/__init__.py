"""rankbounds.numerics: measure rank quantities on trained networks and evaluate `theory` bounds on them.

Submodules are imported on demand (``import numerics.ranks``); this package imports nothing heavy.
``numerics.analyze`` (per-layer rank measures of any torch model) and ``__version__`` (read from the
installed metadata) are loaded on first use.
"""

__all__ = ["analyze", "__version__"]


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("rankbounds")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0+unknown"


def __getattr__(name: str):
    # Both are computed once, on first access: `import numerics` stays at a few milliseconds.
    if name == "analyze":
        from numerics.analyze import analyze

        globals()["analyze"] = analyze  # importing the submodule bound the name to it; bind the function
        return analyze
    if name == "__version__":
        globals()["__version__"] = value = _version()
        return value
    raise AttributeError(f"module 'numerics' has no attribute {name!r}")
