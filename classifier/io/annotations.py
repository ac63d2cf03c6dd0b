"""Annotation tools' files: labelling tasks written for Label Studio and Prodigy, and their exports read back.

Writing (:func:`write_tasks`): rows chosen for labelling, with the model's guess, as a table
(CSV, TSV, JSON Lines or Parquet, the guess in the label column to correct), as a Label Studio
JSON task list (the guess as a ``predictions`` entry; :func:`label_studio_config` is the matching
labelling interface), or as Prodigy JSON Lines tasks for its ``choice`` interface (the guess
pre-selected in ``accept``).

Reading (:func:`annotation_export`, :func:`read_annotations`): a Label Studio JSON export
(each task's last annotation that was not cancelled; its ``choices`` are the labels; tasks
without one are skipped and counted as ``unannotated``; the ``JSON_MIN`` export's flat records too)
or a Prodigy JSON Lines export (``answer`` on every line; choice tasks give their ``accept`` list,
binary tasks their ``label`` when accepted; ``ignore`` answers are skipped and counted, so are
rejected choice tasks; a binary task's text that was only rejected is kept with no label). The
result is an ordinary table of a text column and a label column, which
:func:`classifier.io.labelled.read_labelled` then reads like any other.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pandas as pd

from classifier import defaults
from classifier.errors import ColumnError, TableError
from classifier.io.formats import FORMATS, STDIO, is_url
from classifier.io.writing import TableWriter, write_whole

LABEL_STUDIO = "label-studio"
PRODIGY = "prodigy"
TASK_FORMATS = (*FORMATS, LABEL_STUDIO, PRODIGY)
"""What :func:`write_tasks` writes: a table format, or an annotation tool's task format."""

ADDED_COLUMNS = ("row", "selected_by", "uncertainty", defaults.PREDICTED_LABEL, defaults.PREDICTED_SCORE)
"""The columns a task table adds to the pool's."""

FROM_NAME = "label"
"""The name of the Label Studio ``Choices`` control the tasks' predictions fill."""


def label_studio_config(labels: list[str], multi_label: bool, text_col: str = defaults.TEXT_COL) -> str:
    """The Label Studio labelling interface (XML) for tasks written by :func:`write_tasks`."""
    choices = "".join(f'\n    <Choice value="{_xml(label)}"/>' for label in labels)
    return (f'<View>\n  <Text name="text" value="${_xml(text_col)}"/>\n'
            f'  <Choices name="{FROM_NAME}" toName="text" choice="{"multiple" if multi_label else "single"}" '
            f'showInLine="true">{choices}\n  </Choices>\n</View>\n')


def _xml(text: str) -> str:
    return str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def write_tasks(path: str | Path, frame: pd.DataFrame, rows: list[dict], *, fmt: str | None, text_col: str,
                label_col: str, labels: list[str], multi_label: bool, sep: str) -> dict:
    """Write ``rows`` (dicts with ``row``, ``text``, ``labels``, ``scores``, ``uncertainty``, ``selected_by``)
    to ``path`` as ``fmt``; ``frame`` holds the same rows' pool columns. Returns ``{"path", "format"}``
    (and ``label_config`` for Label Studio). The file appears only when complete.
    """
    if fmt == LABEL_STUDIO:
        tasks = [_label_studio_task(r, frame.iloc[i], text_col) for i, r in enumerate(rows)]
        _write_text(path, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
        return {"path": path, "format": LABEL_STUDIO, "label_config": label_studio_config(labels, multi_label,
                                                                                          text_col)}
    if fmt == PRODIGY:
        style = "multiple" if multi_label else "single"
        lines = [json.dumps(_prodigy_task(r, labels, style), ensure_ascii=False) + "\n" for r in rows]
        _write_text(path, "".join(lines))
        return {"path": path, "format": PRODIGY}
    table = frame.reset_index(drop=True).copy()
    clash = [name for name in ADDED_COLUMNS if name in table.columns]
    if clash:
        raise ColumnError(f"The pool already has the column(s) {', '.join(map(repr, clash))}, which the "
                          "suggestions add.", "Rename those columns in the pool.")
    cells = [sep.join(r["labels"]) for r in rows]
    added = {"row": [r["row"] for r in rows], "selected_by": [r["selected_by"] for r in rows],
             "uncertainty": [r["uncertainty"] for r in rows], defaults.PREDICTED_LABEL: cells,
             defaults.PREDICTED_SCORE: [sep.join(f"{s:.4f}" for s in r["scores"]) for r in rows]}
    for position, (name, values) in enumerate(added.items()):
        table.insert(position, name, values)
    if label_col in table.columns:
        known = table[label_col].astype(object)
        known = known.where(known.notna(), "").map(str).str.strip()
        table[label_col] = [old or new for old, new in zip(known, cells)]
    else:
        table[label_col] = cells
    with TableWriter(path, fmt) as writer:
        writer.write(table)
    return {"path": path, "format": writer.format.kind}


def _label_studio_task(row: dict, pool_row: pd.Series, text_col: str) -> dict:
    data = {str(k): _plain(v) for k, v in pool_row.items()}
    data[text_col] = row["text"]
    meta = {k: row[k] for k in ("row", "selected_by", "uncertainty")}
    result = [{"from_name": FROM_NAME, "to_name": "text", "type": "choices",
               "value": {"choices": list(row["labels"])}}] if row["labels"] else []
    return {"data": {**data, **{f"classifier_{k}": v for k, v in meta.items()}},
            "predictions": [{"model_version": "classifier", "score": round(1 - row["uncertainty"], 4),
                             "result": result}],
            "meta": meta}


def _plain(value):
    """A table cell as JSON can hold it (missing cells as ``None``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _prodigy_task(row: dict, labels: list[str], style: str) -> dict:
    return {"text": row["text"], "options": [{"id": label, "text": label} for label in labels],
            "accept": list(row["labels"]), "config": {"choice_style": style},
            "meta": {"row": row["row"], "selected_by": row["selected_by"], "uncertainty": row["uncertainty"],
                     "guess": ", ".join(f"{l} {s:.2f}" for l, s in zip(row["labels"], row["scores"]))}}


def _write_text(path: str | Path, text: str) -> None:
    write_whole(path, text.encode("utf-8"))


def annotation_export(source: str | Path) -> str | None:
    """``label-studio`` or ``prodigy`` if ``source`` is such an export, else ``None`` (an ordinary table).

    A ``.json`` file (optionally ``.gz``) is taken for a Label Studio export; a ``.jsonl`` file whose
    first record has an ``answer`` is taken for a Prodigy export. Standard input and URLs are tables.
    """
    if str(source) == STDIO or is_url(source):
        return None
    name = str(source).lower().removesuffix(".gz")
    if name.endswith(".json"):
        return LABEL_STUDIO
    if not name.endswith((".jsonl", ".ndjson")) or not Path(source).is_file():
        return None
    try:
        with _open(source, None) as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    return PRODIGY if isinstance(record, dict) and "answer" in record else None
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    return None


def _open(source, encoding: str | None):
    opener = gzip.open if str(source).lower().endswith(".gz") else open
    return opener(source, "rt", encoding=encoding or "utf-8-sig")


def read_annotations(source: str | Path, kind: str, *, text_col: str = defaults.TEXT_COL, label_col: str | None = None,
                     label_sep: str = defaults.LABEL_SEP, encoding: str | None = None) -> tuple[pd.DataFrame, dict]:
    """An annotation export as a table of ``text_col`` and a label column, and the counts of records skipped.

    The label column is ``label_col`` when given, else ``labels`` when some
    text has several labels (a multi-label table), else ``label``; several
    labels are joined with ``label_sep``.
    """
    try:
        with _open(source, encoding) as handle:
            if kind == LABEL_STUDIO:
                records = json.load(handle)
            else:
                records = [json.loads(line) for line in handle if line.strip()]
    except (ValueError, UnicodeDecodeError) as exc:
        what = "Label Studio JSON export" if kind == LABEL_STUDIO else "Prodigy JSON Lines export"
        raise TableError(f"{source} is not a valid {what}: {str(exc).splitlines()[0]}.",
                         "Export the annotations again from the tool, unchanged.") from exc
    if kind == LABEL_STUDIO:
        texts, labels, skipped = _label_studio(records, source, text_col, label_col)
        multi = False
    else:
        texts, labels, skipped = _prodigy(records, source, text_col)
        multi = any(isinstance(r, dict) and (r.get("config") or {}).get("choice_style") == "multiple" for r in records)
    multi = multi or any(len(row) > 1 for row in labels)
    column = label_col or ("labels" if multi else "label")
    frame = pd.DataFrame({text_col: texts, column: [label_sep.join(row) for row in labels]}, dtype=object)
    return frame, skipped


def _label_studio(records, source, text_col: str, label_col: str | None):
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise TableError(f"{source} is not a Label Studio JSON export (a list of tasks).",
                         "Export the project from Label Studio as JSON.")
    texts, labels = [], []
    skipped = {"unannotated": 0}
    for record in records:
        if "data" not in record and "annotations" not in record:  # the JSON_MIN export: flat records
            if text_col not in record:
                raise _missing_text(source, text_col, record)
            texts.append(_text(record[text_col]))
            labels.append(_flat_choices(record, label_col))
            continue
        data = record.get("data") or {}
        if text_col not in data:
            raise _missing_text(source, text_col, data)
        done = [a for a in record.get("annotations") or [] if not a.get("was_cancelled")]
        if not done:
            skipped["unannotated"] += 1
            continue
        found = [c for r in done[-1].get("result") or [] if r.get("type") == "choices"
                 for c in (r.get("value") or {}).get("choices") or []]
        texts.append(_text(data[text_col]))
        labels.append(tuple(dict.fromkeys(str(c) for c in found)))
    return texts, labels, skipped


def _flat_choices(record: dict, label_col: str | None) -> tuple[str, ...]:
    for key in ([label_col] if label_col else []) + list(defaults.LABEL_COLS) + [FROM_NAME]:
        if key in record:
            value = record[key]
            if isinstance(value, dict):
                value = value.get("choices", [])
            values = [value] if isinstance(value, str) else list(value or [])
            return tuple(dict.fromkeys(str(v) for v in values if str(v).strip()))
    return ()


def _missing_text(source, text_col: str, found: dict) -> ColumnError:
    keys = ", ".join(map(repr, found)) or "none"
    return ColumnError(f"{source} has a task without the text field {text_col!r} (its fields: {keys}).",
                       "Pass `text_col` with the name of the field holding the text.")


def _text(value) -> str:
    return "" if value is None else str(value)


def _prodigy(records, source, text_col: str):
    accepted: dict[str, list[str]] = {}
    order: list[str] = []
    skipped = {"ignored": 0, "rejected": 0}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict) or "answer" not in record:
            raise TableError(f"Line {number} of {source} is not a Prodigy annotation (no 'answer').",
                             "Export the dataset with prodigy db-out, unchanged.")
        text = _text(record.get(text_col, record.get("text")))
        answer = record["answer"]
        choice = "accept" in record or "options" in record
        if answer == "ignore" or (choice and answer == "reject"):
            skipped["ignored" if answer == "ignore" else "rejected"] += 1
            continue
        if text not in accepted:
            accepted[text] = []
            order.append(text)
        given = (record.get("accept") or []) if choice else ([record["label"]] if answer == "accept"
                                                             and record.get("label") else [])
        accepted[text].extend(str(g) for g in given if str(g) not in accepted[text])
    return order, [tuple(accepted[t]) for t in order], skipped
