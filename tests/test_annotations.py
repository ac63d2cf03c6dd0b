"""Annotation tools' exports read as labelled tables: Label Studio JSON and Prodigy JSONL, and the round trip
from ``suggest``'s tasks to a trained model."""

from __future__ import annotations

import json

import pytest

import classifier
from classifier import api
from classifier.errors import ColumnError, TableError
from classifier.io.annotations import annotation_export, read_annotations
from classifier.io.labelled import read_labelled

from .conftest import make_rows


def studio_task(text, choices, *, cancelled=False, annotated=True):
    result = [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": choices}}]
    annotations = [{"result": result, "was_cancelled": cancelled}] if annotated else []
    return {"id": 1, "data": {"text": text}, "annotations": annotations, "predictions": []}


def test_a_label_studio_export_reads_as_a_labelled_table(tmp_path):
    path = tmp_path / "export.json"
    tasks = [studio_task("police raid in the north", ["crime"]),
             studio_task("army shelling at the border", ["war"]),
             studio_task("budget talks", ["money"], annotated=False),
             studio_task("court charged two", ["crime"], cancelled=True)]
    path.write_text(json.dumps(tasks))
    assert annotation_export(path) == "label-studio"
    data = read_labelled(path)
    assert data.texts == ["police raid in the north", "army shelling at the border"]
    assert data.labels == ["crime", "war"] and not data.spec.multi_label
    assert data.skipped["unannotated"] == 2 and data.rows_read == 4


def test_several_choices_make_a_multi_label_table(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([studio_task("police and army", ["crime", "war"]), studio_task("weather", [])]))
    data = read_labelled(path)
    assert data.spec.multi_label and data.labels == [("crime", "war"), ()]


def test_the_json_min_export_is_read_too(tmp_path):
    path = tmp_path / "min.json"
    path.write_text(json.dumps([{"id": 1, "text": "a raid", "label": "crime"},
                                {"id": 2, "text": "shelling and arrests", "label": {"choices": ["war", "crime"]}}]))
    frame, skipped = read_annotations(path, "label-studio")
    assert frame["text"].tolist() == ["a raid", "shelling and arrests"]
    assert frame["labels"].tolist() == ["crime", "war|crime"]


def test_a_prodigy_export_reads_accepts_and_skips_ignores(tmp_path):
    path = tmp_path / "db.jsonl"
    records = [
        {"text": "police raid", "options": [{"id": "crime"}, {"id": "war"}], "accept": ["crime"], "answer": "accept"},
        {"text": "army shelling", "options": [{"id": "crime"}, {"id": "war"}], "accept": ["war"], "answer": "accept"},
        {"text": "unclear", "options": [{"id": "crime"}], "accept": [], "answer": "ignore"},
        {"text": "spam", "options": [{"id": "crime"}], "accept": ["crime"], "answer": "reject"},
        {"text": "troops and arrests", "label": "war", "answer": "accept"},
        {"text": "troops and arrests", "label": "crime", "answer": "accept"},
        {"text": "a concert", "label": "war", "answer": "reject"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert annotation_export(path) == "prodigy"
    data = read_labelled(path)
    assert data.spec.multi_label
    assert dict(zip(data.texts, data.labels)) == {"police raid": ("crime",), "army shelling": ("war",),
                                                  "troops and arrests": ("crime", "war"), "a concert": ()}
    assert data.skipped["ignored"] == 1 and data.skipped["rejected"] == 1


def test_ordinary_jsonl_stays_a_table(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"text": "police raid", "label": "crime"}) + "\n")
    assert annotation_export(path) is None
    assert read_labelled(path).labels == ["crime"]


def test_broken_exports_are_one_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[{")
    with pytest.raises(TableError, match="not a valid Label Studio JSON export"):
        read_labelled(path)
    path.write_text(json.dumps([{"data": {"body": "x"}, "annotations": []}]))
    with pytest.raises(ColumnError, match="without the text field 'text'.*'body'"):
        read_labelled(path)
    lines = tmp_path / "bad.jsonl"
    lines.write_text(json.dumps({"text": "a", "answer": "accept", "label": "x"}) + "\n" + json.dumps({"text": "b"}))
    with pytest.raises(TableError, match="Line 2 .* not a Prodigy annotation"):
        read_labelled(lines)


@pytest.mark.parametrize("fmt, name", [("label-studio", "tasks.json"), ("prodigy", "tasks.jsonl")])
def test_suggested_tasks_come_back_as_training_data(single_model, tmp_path, fmt, name):
    """suggest writes tasks; the annotator accepts the guesses; train reads the export."""
    model, _ = single_model
    pool = tmp_path / "pool.csv"
    make_rows(n_per_class=20, seed=7)[["text"]].to_csv(pool, index=False)
    api.suggest(model, pool, tmp_path / name, n=30, fmt=fmt)
    export = tmp_path / ("export" + name[5:])
    if fmt == "label-studio":
        tasks = json.loads((tmp_path / name).read_text())
        for task in tasks:
            task["annotations"] = [{"result": task["predictions"][0]["result"], "was_cancelled": False}]
        export.write_text(json.dumps(tasks))
    else:
        lines = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        export.write_text("".join(json.dumps({**line, "answer": "accept"}) + "\n" for line in lines))
    trained = classifier.train(export, test_size=0)
    assert trained.card["training_data"]["rows_used"] == 30
    assert set(trained.labels) <= set(model.labels) and len(trained.labels) >= 2
