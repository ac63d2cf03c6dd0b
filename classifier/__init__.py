"""classifier: train TF-IDF topic classifiers for security and policy news, and score text in bulk.

The library API lives in :mod:`classifier.api` and is re-exported here::

    import classifier
    model = classifier.train("news.csv")
    classifier.save(model, "models/news.skops")
    classifier.predict(model, ["Police arrest three over Quetta bombing"])
"""

from classifier.errors import ClassifierError
from classifier.version import __version__

__all__ = ["Model", "ClassifierError", "compare", "convert", "cv", "default_dataset", "describe", "evaluate", "explain",
           "load", "model_card", "predict", "predict_table", "read_labelled", "save", "suggest", "train", "tune",
           "__version__"]

_API = frozenset(__all__) - {"ClassifierError", "__version__"}


def __getattr__(name: str):
    """The api's names, imported on first use, so that importing the package (and ``classifier --help``)
    does not import scikit-learn, SciPy or pandas (issue 14)."""
    if name in _API:
        from classifier import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)
