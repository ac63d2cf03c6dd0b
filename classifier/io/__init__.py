"""Input and output: tables in every supported format, paths, labelled tables and model files.

- :mod:`.tables`: reading (strict, streaming) and writing CSV, TSV, JSON Lines and Parquet tables: the
  public entry, built on :mod:`.formats`, :mod:`.opening`, :mod:`.delimited`, :mod:`.jsonl`,
  :mod:`.parquet`, :mod:`.columns` and :mod:`.writing`.
- :mod:`.paths`: which files an input (or URL) names, where each output goes, how a path is shown.
- :mod:`.labelled`: texts and labels read from a labelled table (:func:`read_labelled`).
- :mod:`.model_file`: the saved model bundle (joblib or skops), its checks and legacy names.
- :mod:`.skops_format`: the skops file format and the list of types it may contain.
"""
