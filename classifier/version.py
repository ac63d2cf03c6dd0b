"""The package version, in a module of its own so that any layer can read it without importing the facade."""

from __future__ import annotations

import platform

__version__ = "0.1.0"


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a saved model depends on."""
    import joblib
    import numpy
    import pandas
    import scipy
    import sklearn

    return {
        "classifier": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "joblib": joblib.__version__,
        "skops": _skops_version(),
    }


def _skops_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skops")
    except PackageNotFoundError:
        return "not installed"

