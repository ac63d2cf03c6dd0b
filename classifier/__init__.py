"""classifier: train TF-IDF topic classifiers for security and policy news, and score text in bulk.

The library API lives in :mod:`classifier.api` and is re-exported here::

    import classifier
    model = classifier.train("news.csv")
    classifier.save(model, "models/news.joblib")
    classifier.predict(model, ["Police arrest three over Quetta bombing"])
"""

from classifier.api import (
    Model,
    convert,
    default_dataset,
    describe,
    evaluate,
    load,
    predict,
    predict_table,
    read_labelled,
    save,
    train,
)
from classifier.errors import ClassifierError
from classifier.version import __version__

__all__ = ["Model", "ClassifierError", "convert", "default_dataset", "describe", "evaluate", "load", "predict",
           "predict_table", "read_labelled", "save", "train", "__version__"]
