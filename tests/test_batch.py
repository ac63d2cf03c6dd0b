"""Batch prediction library: streaming, parallel scoring in order, several inputs, progress."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from classifier.prediction import batch, scoring
from classifier.errors import ColumnError, InputError
from classifier.labels import decide

from .conftest import make_rows


def _reference_cells(p, labels, multi_label, top_k, threshold, sep="|"):
    """The cells as the first implementation built them: decide(), then label order for multi-label."""
    chosen, scores = decide(p, labels, multi_label, top_k=top_k, threshold=threshold)
    if multi_label:
        rank = {label: i for i, label in enumerate(labels)}
        pairs = [sorted(zip(l, s), key=lambda pair: rank[pair[0]]) for l, s in zip(chosen, scores)]
        chosen, scores = [[a for a, _ in row] for row in pairs], [[b for _, b in row] for row in pairs]
    several = multi_label or (top_k or 1) > 1
    label_cells = [sep.join(row) for row in chosen]
    if several:
        return label_cells, [sep.join(f"{s:.4f}" for s in row) for row in scores]
    return label_cells, [round(row[0], 4) if row else np.nan for row in scores]


@settings(max_examples=150, deadline=None)
@given(
    p=st.integers(1, 6).flatmap(lambda m: arrays(np.float64, st.tuples(st.integers(1, 30), st.just(m)),
                                                 elements=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.7, 1.0])))
    | st.integers(1, 6).flatmap(lambda m: arrays(np.float64, st.tuples(st.integers(1, 30), st.just(m)),
                                                   elements=st.floats(0, 1))),
    multi_label=st.booleans(),
    top_k=st.none() | st.integers(1, 7),
    threshold=st.none() | st.sampled_from([0.0, 0.25, 0.5, 0.9]),
)
def test_vectorised_cells_match_decide(p, multi_label, top_k, threshold):
    labels = [f"l{i}" for i in range(p.shape[1])]
    decision = scoring.Decision(text_col="text", labels=tuple(labels), multi_label=multi_label, sep="|",
                              top_k=top_k, threshold=threshold)
    label_cells, score_cells = scoring.cells(p, decision)
    want_labels, want_scores = _reference_cells(p, labels, multi_label, top_k, threshold)
    assert list(label_cells) == want_labels
    if decision.several:
        assert list(score_cells) == want_scores
    else:
        np.testing.assert_array_equal(np.asarray(score_cells, dtype=float), np.asarray(want_scores, dtype=float))


def test_parallel_output_is_byte_identical_to_serial(tmp_path, multi_model):
    model, _ = multi_model
    probs = True
    frame = make_rows(40, seed=5)
    frame.loc[[3, 50], "text"] = ""
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    serial, parallel = tmp_path / "serial.csv", tmp_path / "parallel.csv"
    one = batch.predict_table(model, source, serial, chunk_size=7, probs=probs, jobs=1)
    two = batch.predict_table(model, source, parallel, chunk_size=7, probs=probs, jobs=2, parallel_min_rows=0)
    for summary in (one, two):
        assert (summary["rows_read"], summary["rows_scored"], summary["rows_skipped"]) == (len(frame), len(frame) - 2, 2)
    assert parallel.read_bytes() == serial.read_bytes()
    out = pd.read_csv(parallel, dtype=str, keep_default_na=False)
    assert out[list(frame.columns)].equals(frame.astype(str))


def _write_parts(folder, n_parts=3, rows=10):
    folder.mkdir()
    frames = []
    for i in range(n_parts):
        frame = make_rows(rows // 3 + 1, seed=20 + i).head(rows)
        frame.to_csv(folder / f"part-{i}.csv", index=False)
        frames.append(frame)
    return frames


def test_glob_into_one_combined_output_keeps_file_then_row_order(tmp_path, single_model):
    model, _ = single_model
    frames = _write_parts(tmp_path / "parts")
    out = tmp_path / "all.parquet"
    summary = batch.predict_table(model, str(tmp_path / "parts" / "part-*.csv"), out, chunk_size=4)
    assert summary["rows_read"] == 30 and summary["output"] == str(out)
    result = pd.read_parquet(out)
    assert result[["id", "text", "label"]].equals(pd.concat(frames, ignore_index=True))


def test_folder_into_one_output_per_input(tmp_path, single_model):
    model, _ = single_model
    frames = _write_parts(tmp_path / "parts")
    summary = batch.predict_table(model, tmp_path / "parts", None, output_dir=tmp_path / "out", fmt="jsonl")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["part-0.jsonl", "part-1.jsonl", "part-2.jsonl"]
    assert summary["outputs"] == [str(tmp_path / "out" / n) for n in names]
    for name, frame in zip(names, frames):
        back = pd.read_json(tmp_path / "out" / name, lines=True, dtype=False)
        assert back["id"].tolist() == frame["id"].tolist()
        assert back["predicted_label"].isin(model.labels).all()


def test_inputs_with_different_columns_cannot_be_combined(tmp_path, single_model):
    model, _ = single_model
    (tmp_path / "parts").mkdir()
    make_rows(3).to_csv(tmp_path / "parts" / "a.csv", index=False)
    make_rows(3).drop(columns="id").to_csv(tmp_path / "parts" / "b.csv", index=False)
    with pytest.raises(ColumnError, match="same columns.*`output_dir`"):
        batch.predict_table(model, tmp_path / "parts", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv")]


@pytest.mark.parametrize("kwargs, message", [
    ({"jobs": 0}, "`jobs` must be 1 or more"),
    ({"output_dir": "x", "output": "y.csv"}, "not both"),
    ({"engine": "spark"}, "Unknown engine 'spark'"),
    ({"scheduler": "tcp://127.0.0.1:1"}, "`scheduler` only applies to `engine` dask"),
    ({"engine": "dask"}, "needs `output_dir`"),
])
def test_option_errors(tmp_path, single_csv, single_model, kwargs, message):
    model, _ = single_model
    options = {"output": str(tmp_path / "o.csv"), **kwargs}
    if kwargs.get("engine") == "dask":
        options["output"] = None
    with pytest.raises(InputError, match=message):
        batch.predict_table(model, single_csv, options.pop("output"), **options)


def test_glob_without_match_is_an_input_error(tmp_path, single_model):
    model, _ = single_model
    with pytest.raises(InputError, match="No file matches"):
        batch.predict_table(model, str(tmp_path / "*.csv"), tmp_path / "o.csv")


def test_progress_reports_rows_and_bytes_up_to_the_file_size(tmp_path, single_model):
    model, _ = single_model
    source = tmp_path / "in.csv.gz"
    make_rows(30).to_csv(source, index=False, compression="gzip")
    calls = []
    batch.predict_table(model, source, tmp_path / "o.csv", chunk_size=20,
                        progress=lambda stage, done=None, total=None, **kw: calls.append((done, kw)))
    size = source.stat().st_size
    assert [done for done, _ in calls] == [0, 20, 40, 60, 80, 90]
    positions = [kw["work_done"] for _, kw in calls]
    assert positions == sorted(positions) and 0 < positions[-1] <= size
    assert all(kw["work_total"] == size for _, kw in calls)


def test_large_inputs_are_scored_by_the_pipeline_small_ones_by_the_compact_scorer(tmp_path, monkeypatch, single_csv):
    """The compact scorer starts sooner but scores slower: it is used up to defaults.COMPACT_MAX_BYTES."""
    from classifier import defaults
    from classifier.prediction import batch

    assert batch.suits_compact(single_csv) and batch.suits_compact("-")
    monkeypatch.setattr(defaults, "COMPACT_MAX_BYTES", single_csv.stat().st_size - 1)
    assert not batch.suits_compact(single_csv)
    assert not batch.suits_compact(str(single_csv.parent / "*.csv"))
