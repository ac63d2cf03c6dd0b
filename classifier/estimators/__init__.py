"""The scikit-learn estimators of this project: text features, linear classifiers and their calibration.

- :mod:`.features`: :class:`TextFeatures`, fast TF-IDF word and character n-grams.
- :mod:`.svm`: :class:`CalibratedLinearSVC`, NB-weighted one-vs-rest SVMs with calibrated probabilities.
- :mod:`.calibration`: margins to probabilities (Platt, temperature and isotonic curves).
- :mod:`.pipeline`: the two-step pipeline built from :mod:`classifier.defaults`.
- :mod:`.hashed`: the out-of-core pair, hashed TF-IDF and SGD-fitted SVMs.
"""
