"""Every default value of the project, in one place.

The CLI, the library and the documentation read their defaults from here, so
changing a value here changes it everywhere.
"""

from __future__ import annotations

from pathlib import Path

DATASET_NAME = "security_policy_news.csv"
"""File name of the embedded labelled dataset (in the top-level ``data/``)."""

MODEL_PATH = Path("models") / "model.skops"
"""Where ``train`` writes and the other commands read a model, relative to the working folder. A
``.skops`` file, so that running the tool inside a folder someone else prepared (a cloned
repository, a download) never loads a pickle by default: a ``.joblib`` model is loaded only when
its path is given."""
LEGACY_MODEL_PATH = Path("models") / "model.joblib"
"""The default model path of earlier versions, named in the hint when no model is at ``MODEL_PATH``."""
MAX_MODEL_BYTES = 2 * 1024**3
"""The largest model file read (2 GiB), and the most its ZIP members may unpack to: a bound on the
memory a crafted or wrong file (an endless device behind a symlink, a ZIP bomb) can take."""
MAX_SKOPS_SCHEMA_BYTES = 128 * 1024**2
"""The most the ``schema.json`` of a ``.skops`` file may unpack to (128 MiB): it describes the objects
(the arrays are separate members) and is parsed whole, so a larger one is refused before it is read."""

MAX_TEXT_CHARS = 100_000
"""The longest text scored or trained on, in characters (``--max-chars``): a longer text is scored on
its first ``MAX_TEXT_CHARS`` characters and counted as cut. Character n-grams take about 110 bytes
of memory per character of text, so this bounds one text's cost at about 11 MB."""
MAX_ROW_CHARS = 64 * 1024**2
"""The longest row a CSV, TSV or JSON Lines reader accepts, in characters of decompressed text (64 Mi):
a longer row is refused as soon as the limit is passed, before the rest of it is read, so a small
``.csv.gz`` whose one cell inflates to gigabytes never fills memory."""
MAX_PARQUET_GZ_BYTES = 4 * 1024**3
"""The most a ``.parquet.gz`` may inflate to (4 GiB). Parquet needs random access, so it is inflated
into an anonymous temporary file (disk, not memory), and reading stops at this size."""

TEXT_COL = "text"
LABEL_COLS = ("label", "labels")
"""Label column candidates, tried in order when ``--label-col`` is not given."""

LABEL_SEP = "|"
TEST_SIZE = 0.2
SEED = 0
REFIT = True
"""After measuring held-out metrics, refit the saved model on every labelled row."""

THRESHOLD_MULTI = 0.5
"""A multi-label model predicts every label whose probability reaches this."""
THRESHOLD_SINGLE = 0.0
"""A single-label model abstains (empty label) when its best probability is below this."""
TOP_K = 1
"""Single-label: how many labels to return per text. Multi-label: no cap unless given."""

CHUNK_SIZE = 10_000
"""Rows read, scored and written at a time in batch prediction."""
JOBS = None
"""Worker processes for batch prediction; ``None``: one per core."""
COMPACT_MAX_BYTES = 32 * 1024**2
"""Batch prediction scores inputs up to this size (32 MiB, about 130,000 news snippets) with a model's
compact scorer, larger ones with its full pipeline. Measured on 200,000 AG News-style rows in one
process: 17.2 s compact against 13.8 s pipeline; the compact scorer's head start (no scikit-learn
import, about 2 s) is used up near 120,000 rows."""
PARALLEL_MIN_ROWS = 50_000
"""Batch prediction starts worker processes only past this many rows (starting them costs about a second)."""
DASK_CONNECT_TIMEOUT = "10s"
"""``--engine dask --scheduler``: how long to try reaching the scheduler."""

OUT_OF_CORE_BYTES = 500 * 1024**2
"""``train`` switches to out-of-core training for a training file larger than this (500 MiB)."""
OUT_OF_CORE = {
    "n_features": 2**19,
    "ngram_range": (1, 2),
    "alpha": 5e-5,
    "passes": 10,
    "chunk_size": 50_000,
    "calibration": 0.1,
    "max_calibration": 100_000,
    "max_holdout": 200_000,
    "name_sample_rows": 20_000,
}
"""Out-of-core training: hash buckets, n-grams, SGD regularisation, passes over the data, rows per chunk
(and per shuffled bucket), the share of training rows kept for calibration (at most ``max_calibration``),
the most held-out rows scored, and the rows sampled to name hash buckets for ``info``."""

ENCODING = "utf-8"

PREDICTED_LABEL = "predicted_label"
PREDICTED_SCORE = "predicted_score"
PROB_PREFIX = "prob_"
PREDICTED_TERMS = "predicted_terms"

TOP_TERMS = 10
"""Terms listed per label by ``info`` and the evaluation report."""

EXPLAIN_TERMS = 8
"""Terms listed each way (pushing a label up, pushing it down) by ``explain``."""
EXPLAIN_ROW_TERMS = 3
"""Terms per predicted label in the one-line explanations of :func:`classifier.explain.explain_rows`."""

ECE_BINS = 10
"""Equal-width probability bins on [0, 1] of the expected calibration error and the reliability diagram."""
REPORT_MISTAKES = 20
"""Most confident mistakes listed in the evaluation report."""
REPORT_TEXT_CHARS = 600
"""Characters of each mistaken text shown in the evaluation report (longer texts are cut with '…')."""

AUDIT_FOLDS = 5
"""Cross-validation folds of ``audit``: each row's label is judged by a model trained on the other folds."""
AUDIT_NEAR_DUPLICATE = 0.8
"""``audit``: two texts are near duplicates when their word-shingle sets have at least this Jaccard similarity."""
AUDIT_SHINGLE_WORDS = 5
"""Words per shingle (word n-gram) compared by the near-duplicate check of ``audit``."""
AUDIT_MIN_LABEL_ROWS = 10
"""``audit`` reports labels with fewer rows than this."""
AUDIT_SHORT_WORDS = 3
"""``audit`` reports texts of fewer words than this."""
AUDIT_SHOW = 10
"""Rows to review that ``audit`` prints (all of them go to ``--output``)."""

CV_FOLDS = 5
"""Folds of ``cv``: each row is scored once by a model trained on the other folds."""
COMPARE_RESAMPLES = 1_000
"""Paired bootstrap resamples of the test rows that ``compare`` draws for its confidence intervals."""
COMPARE_CONFIDENCE = 0.95
"""The confidence level of the intervals ``compare`` reports for the differences between models."""

TUNE_BUDGET = "10m"
"""Wall-clock time ``tune`` may spend searching and training (``90s``, ``10m``, ``1h``; a bare number is seconds)."""
TUNE_FOLDS = 3
"""Cross-validation folds each setting ``tune`` tries is scored with."""
TUNE_CANDIDATES = 27
"""Settings ``tune`` draws at random from ``TUNE_SPACE`` (the current settings are tried as well)."""
TUNE_ETA = 3
"""Successive halving: each round keeps the best third of the settings and scores them on three times the rows."""
TUNE_MIN_ROWS = 300
"""Successive halving: the fewest rows the first round scores settings on."""
TUNE_METRIC = "micro_f1"
"""What ``tune`` maximises: the cross-validated mean of this metric of ``evaluate``."""
TUNE_SPACE = {
    "C": [0.1, 0.25, 0.5, 1.0, 2.0, 4.0],
    "word_ngrams": ["1-1", "1-2", "1-3"],
    "char_ngrams": ["auto", "off", "3-5"],
    "min_df": ["auto", 1, 2, 3],
    "max_df": [1.0, 0.5],
    "class_weight": ["none", "balanced"],
    "nb": [True, False],
}
"""The values ``tune`` draws each setting from (settings fixed by options or ``--config`` are not searched).
On long texts (median above ``SHORT_TEXT_WORDS`` words) ``char_ngrams`` is not searched: there "auto" is
off, and character n-grams cost several times the training time without raising held-out scores."""
TUNE_MIN_GAIN_SE = 1.0
"""``tune`` replaces the current settings only when the winner's mean gain over them, paired fold by fold on
every row, exceeds this many standard errors of that gain (and is above 0): a smaller gain is fold noise."""

FEATURES = {
    "word_ngrams": (1, 2),
    "char_ngrams": "auto",
    "prefix": None,
    "min_df": "auto",
    "max_df": 1.0,
    "sublinear_tf": True,
    "lowercase": True,
    "strip_arabic_marks": False,
    "fold_arabic_letters": False,
}
"""TF-IDF settings (see ``classifier.estimators.features.TextFeatures``). ``min_df="auto"``
is ``MIN_DF`` on tables of ``SMALL_TABLE`` rows or more, and 1 on smaller ones.
``strip_arabic_marks`` (remove harakat U+064B-U+065F, U+0670 and tatweel U+0640) and
``fold_arabic_letters`` (ي/ی, ك/ک, ه/ہ/ە as one letter) are off: no labelled Arabic-script news set
was at hand to measure them on, and harakat are already kept inside their words."""

SMALL_TABLE = 200
MIN_DF = 2

SHORT_TEXT_WORDS = 100
SHORT_TEXT_CHAR_NGRAMS = (4, 4)
"""``char_ngrams="auto"``: texts whose median length is at most ``SHORT_TEXT_WORDS`` words
(headlines, titles, snippets) also get character 4-grams within words. In 3-fold
cross-validation on training data they raised micro-F1 on the embedded dataset from 0.835 to
0.859 and accuracy on US Congress bill titles from 0.776 to 0.797; on long documents they
cost several times the training time and did not raise held-out scores."""

MODEL = {
    "C": 0.5,
    "nb_weighting": True,
    "calibration_folds": 2,
    "class_weight": None,
    "n_jobs": 1,
    "thresholds": "f1",
}
"""Linear SVM settings (see ``classifier.estimators.svm.CalibratedLinearSVC``). ``n_jobs`` threads fit
the per-label SVMs; more than one is about 20% faster on 20 Newsgroups but no longer gives the
same model twice for the same data and seed (liblinear's random generator is process-wide). Scores are calibrated on margins the model did not train on: single-label models on
those of the held-out slice when ``train`` holds one out and every class has at least
``MIN_SLICE_POSITIVES`` rows in it; otherwise (and always for multi-label models) on out-of-fold
margins from ``calibration_folds``-fold cross-validation."""

MIN_SLICE_POSITIVES = 5

SVM_TOL = 1e-2
"""Stopping tolerance of each per-class liblinear fit (liblinear's default is 1e-4). In 3-fold cross-validation
on training data only, 1e-2 scored the same as 1e-4 (the same rows right; multi-label, the same micro-F1) on
US Congress bill titles, BBC News, 20 Newsgroups (one fold), India Police Events and 500 synthetic classes
(5,000 rows, one fold), and took about half the solver iterations: per-class fit time 22% lower on US Congress,
32% on 20 Newsgroups, 33% on 500 classes. Looser lost: 1e-1 two rows on US Congress, 3e-2 micro-F1 0.749 to
0.724 on India Police Events. See ``benchmarks/RESULTS.md`` for the trained models' test scores."""

# ``MODEL["thresholds"] = "f1"``: a multi-label model predicts each label from its own threshold,
# the one with the best F1 on the out-of-fold probabilities its calibration is fitted to
# (``classifier.estimators.thresholds``). In leave-one-source-out cross-validation on the
# embedded dataset (train on six of its seven sources, score the seventh) it raised micro-F1
# from 0.822 (0.5 for every label) to 0.830, and on the real-text source from 0.658 to 0.682;
# lowering every threshold further did not help. ``None``: 0.5 for every label.

SUGGEST_N = 50
"""``suggest``: texts chosen for labelling in one batch."""
SUGGEST_RANDOM_SHARE = 0.2
"""``suggest``: the share of a batch drawn uniformly at random from the pool (the rest: the most uncertain),
so that scores measured on the labelled rows stay unbiased estimates of the pool's."""
SUGGEST_NEAR_DUPLICATE = 0.7
"""``suggest``: a text whose word-shingle set has at least this Jaccard similarity with one already in the
batch is passed over, so one batch never asks for the same story twice."""

SERVE_HOST = "127.0.0.1"
"""``serve``: the address to listen on (loopback: only this machine can connect)."""
SERVE_PORT = 8000
"""``serve``: the TCP port to listen on."""
SERVE_WORKERS = 1
"""``serve``: worker processes, each holding its own copy of the model."""
SERVE_MAX_BODY_BYTES = 2 * 1024**2
"""``serve``: the largest request body accepted (2 MiB); a larger one is answered 413."""
SERVE_MAX_TEXTS = 1_000
"""``serve``: the most texts one ``POST /predict`` may send; more are answered 413."""
SERVE_MAX_CHARS = 20_000
"""``serve``: the most characters one text may have; a longer one is answered 413."""
SERVE_BODY_TIMEOUT = 10.0
"""``serve``: seconds a client has to send a whole request body; a slower one is answered 408."""
SERVE_GRACEFUL_TIMEOUT = 30.0
"""``serve``: on SIGTERM, seconds given to requests in flight before they are cancelled."""
SERVE_BATCH_TEXTS = 1_024
"""``serve``: requests waiting at the same time are scored together, up to this many texts per call."""
TOKEN_ENV = "CLASSIFIER_TOKEN"
"""``serve``: the environment variable holding the bearer token (when ``--token-file`` is not given)."""
MODEL_ENV = "CLASSIFIER_MODEL"
"""The environment variable that sets ``--model`` for every command."""
MODEL_CARD_NAME = "MODEL_CARD.md"
"""``card``: the readable model card's file name beside a model (``evaluate --report`` links to it when present)."""
