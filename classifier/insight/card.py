"""The model card people read: a Markdown file in the Hugging Face model-card layout, from a model's own card.

A saved model already carries its card as a dictionary (:mod:`classifier.training.card`);
:func:`card_facts` gathers what a reader needs from it (and, when given, from the model file and
a test table's metrics) into one plain dictionary, and :func:`render_markdown` writes that as
Markdown: a YAML header for model hubs, then intended and out-of-scope use, training data,
settings, held-out and test metrics with the per-label table, calibration, decision thresholds,
known limits, and how to load and verify the file.
"""

from __future__ import annotations

from pathlib import Path

from classifier import defaults
from classifier.decision_targets import target_note
from classifier.errors import OutputError
from classifier.fingerprints import file_sha256
from classifier.insight.evaluation import evaluate
from classifier.io.writing import write_whole
from classifier.model import Model
from classifier.progress import Progress, quiet_progress

CARD_NAME = defaults.MODEL_CARD_NAME
"""The card's file name beside a model, which the evaluation report links to when present."""
WEAK_F1 = 0.7
"""Labels scoring an F1 below this on the held-out or test rows are named among the known limits."""
FEW_ROWS = 50
"""Labels with fewer training rows than this are named among the known limits."""

_HEADLINE = {"single_label": ["accuracy", "macro_f1", "micro_f1", "weighted_f1", "ece"],
             "multi_label": ["subset_accuracy", "micro_f1", "macro_f1", "samples_f1", "hamming_loss", "ece"]}
_NAMES = {"accuracy": "accuracy", "subset_accuracy": "subset accuracy", "micro_f1": "micro-F1",
          "macro_f1": "macro-F1", "weighted_f1": "weighted F1", "samples_f1": "samples F1",
          "hamming_loss": "Hamming loss", "ece": "expected calibration error (ECE)"}


def card_facts(model: Model, *, file: dict | None = None, test: dict | None = None) -> dict:
    """Everything the readable card says, as plain data.

    ``file`` is the model file's facts (``path``, ``bytes``, ``file_format``; its SHA-256 is read
    here); ``test`` the metrics :func:`classifier.insight.evaluation.evaluate` returned for a test
    table (with ``data``, its path).
    """
    card = model.card
    facts = {key: card.get(key) for key in ("task", "labels", "label_counts", "text_col", "label_col", "label_sep",
                                            "training_data", "holdout", "metrics", "notes", "created",
                                            "classifier_version", "library_versions", "thresholds")}
    facts["settings"] = card.get("settings") or card.get("params", {})
    facts["params"] = card.get("params", {})
    facts["threshold_target"] = (target_note(card.get("params", {}).get("model", {}).get("thresholds"))
                                 if card.get("thresholds") else None)
    if file is not None:
        path = Path(file["path"])
        facts["file"] = {"name": path.name, "path": str(path), "bytes": file.get("bytes"),
                         "format": file.get("file_format", "joblib"), "sha256": file_sha256(path),
                         "payload_sha256": file.get("payload_sha256")}
    if test is not None:
        facts["test"] = test
    facts["limits"] = known_limits(facts)
    return facts


def known_limits(facts: dict) -> list[str]:
    """What a user should know before trusting the model: weak and rare labels, calibration, scope."""
    limits = []
    counts = {k: v for k, v in (facts.get("label_counts") or {}).items() if k != "(none)"}
    rare = sorted((n, label) for label, n in counts.items() if n < FEW_ROWS)
    if rare:
        limits.append("Few training rows (below " + str(FEW_ROWS) + "): "
                      + ", ".join(f"`{label}` ({n})" for n, label in rare) + "; expect unstable results on them.")
    for where, metrics in (("held-out rows", facts.get("metrics")), ("test table", facts.get("test"))):
        weak = sorted((row["f1"], label) for label, row in ((metrics or {}).get("per_label") or {}).items()
                      if row.get("support") and row["f1"] < WEAK_F1)
        if weak:
            limits.append(f"Labels with an F1 below {WEAK_F1} on the {where}: "
                          + ", ".join(f"`{label}` ({f1:.2f})" for f1, label in weak) + ".")
    held = facts.get("metrics") or {}
    if held and facts.get("test"):
        key = "micro_f1" if facts["task"] == "multi_label" else "accuracy"
        drop = held.get(key, 0) - facts["test"].get(key, 0)
        if drop > 0.05:
            limits.append(f"{_NAMES[key]} falls from {held[key]:.3f} on the held-out rows to "
                          f"{facts['test'][key]:.3f} on the test table: texts unlike the training data score worse.")
    if not held:
        limits.append("No held-out score was taken when this model was trained.")
    limits.append("Held-out rows come from the same source as the training rows, so their scores are an upper "
                  "bound for texts from other sources, periods, styles or languages.")
    limits.append("A linear model over words (and character n-grams): it reads no context beyond the n-grams, "
                  "misses labels told through names and events it has not seen, and can be misled by negation.")
    limits.append("Probabilities are calibrated on rows like the training rows; on other texts they can be "
                  "overconfident.")
    return limits


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(headers: list[str], rows: list[list], right: set[int] = frozenset()) -> str:
    def cell(value) -> str:
        return _number(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _metrics_section(metrics: dict, task: str, label_counts: dict, thresholds: dict | None) -> list[str]:
    lines = [_table(["metric", "value"], [[_NAMES[k], metrics[k]] for k in _HEADLINE[task] if k in metrics],
                    right={1}), ""]
    per = metrics.get("per_label") or {}
    if per:
        headers = ["label", "precision", "recall", "F1", "support", "training rows"]
        if thresholds:
            headers.append("threshold")
        rows = [[f"`{label}`", r["precision"], r["recall"], r["f1"], int(r["support"]), label_counts.get(label, 0)]
                + ([thresholds.get(label)] if thresholds else []) for label, r in per.items()]
        lines += [_table(headers, rows, right=set(range(1, len(headers)))), ""]
    return lines


def _yaml_list(values) -> str:
    return "[" + ", ".join(_yaml_string(v) for v in values) + "]"


def _yaml_string(value) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_markdown(facts: dict) -> str:
    """The card as Markdown (Hugging Face model-card layout: YAML metadata, then sections)."""
    task = facts["task"]
    multi = task == "multi_label"
    labels = facts["labels"]
    file = facts.get("file") or {}
    name = file.get("name") or "model"
    held = facts.get("metrics") or {}
    test = facts.get("test")
    data = facts.get("training_data") or {}
    counts = facts.get("label_counts") or {}
    key = "micro_f1" if multi else "accuracy"

    meta = ["---", "library_name: classifier", "pipeline_tag: text-classification",
            "tags: [text-classification, " + ("multi-label-classification, " if multi else "")
            + "tf-idf, linear-svm, scikit-learn]",
            f"labels: {_yaml_list(labels)}"]
    if file:
        meta += [f"model_file: {_yaml_string(name)}", f"model_sha256: {file['sha256']}"]
    results = [(f"held-out slice of {data.get('path', '?')}" if (facts.get("holdout") or {}).get("source") == "split"
                else f"test file {(facts.get('holdout') or {}).get('path', '?')}", held)] if held else []
    if test:
        results.append((f"test file {test.get('data', '?')}", test))
    if results:
        meta.append("model-index:")
        meta.append(f"- name: {_yaml_string(name)}")
        meta.append("  results:")
        for where, metrics in results:
            meta += ["  - task: {type: text-classification}", f"    dataset: {{name: {_yaml_string(where)}}}",
                     "    metrics:"]
            meta += [f"    - {{type: {k}, value: {metrics[k]:.4f}}}" for k in _HEADLINE[task] if k in metrics]
    meta.append("---")

    kind = "multi-label" if multi else "single-label"
    out = meta + ["", f"# Model card: {name}", "",
                  f"A {kind} text classifier with {len(labels)} labels ({', '.join(f'`{l}`' for l in labels)}), "
                  f"trained with classifier {facts.get('classifier_version', '?')} on "
                  f"{data.get('rows_used', 0):,} rows on {facts.get('created', '?')}: TF-IDF word"
                  + (" and character" if (facts["params"].get("features") or {}).get("char_ngrams") else "")
                  + " n-grams, one-vs-rest linear SVMs on naive-Bayes-weighted features, calibrated probabilities "
                  + ("(each label scored on its own; a text may get several labels or none)." if multi
                     else "(the probabilities of a text's labels sum to one)."), ""]
    if held:
        out += [f"Held-out {_NAMES[key]}: **{held[key]:.3f}**"
                + (f"; on the test table {test.get('data', '')}: **{test[key]:.3f}**" if test and key in test else "")
                + f". Calibration error (ECE): {held.get('ece', float('nan')):.3f}.", ""]

    out += ["## Intended use", "",
            ("- Sorting, filtering and counting short texts (headlines, news snippets, article leads) by the labels "
            "above, for analysts and researchers who review what the model gives them."),
            ("- Finding the texts of one label in a large archive (`classifier predict --input ...`), ranking texts "
            "by a label's calibrated probability, and choosing texts to label next (`classifier suggest`)."),
            "- A first model to compare better ones against (`classifier evaluate`, `classifier compare`).", "",
            "## Out-of-scope use", "",
            "- Decisions about a person (arrest, moderation, benefits, hiring) without a person reviewing each text.",
            ("- Labels, languages, domains or periods unlike the training data (see below): the model still answers, "
            "with no warning, and its scores there are unmeasured."),
            "- Official statistics from its counts without checking a labelled sample of the same texts.",
            ("- Long documents, when it was trained on short snippets: scores were measured on texts like the "
            "training rows."), ""]

    out += ["## Training data", "",
            _table(["", ""], [["path", f"`{data.get('path', '?')}`"], ["rows read", data.get("rows_read")],
                              ["rows used", data.get("rows_used")],
                              ["rows skipped", ", ".join(f"{k}: {v:,}" for k, v in
                                                         (data.get("rows_skipped") or {}).items()) or "none"],
                              ["SHA-256", f"`{data.get('sha256', '')}`"],
                              ["columns", f"text `{facts.get('text_col')}`, labels `{facts.get('label_col')}`"
                               + (f" (separator `{facts.get('label_sep')}`)" if multi else "")]]), "",
            "Rows per label:", "",
            _table(["label", "rows"], [[f"`{label}`" if label != "(none)" else "(no label)", n]
                                       for label, n in counts.items()], right={1}), ""]

    settings = facts.get("settings") or {}
    params = facts.get("params") or {}
    rows = [[k, _plain(v)] for k, v in settings.items() if not isinstance(v, dict)]
    if not rows:
        rows = [[f"{step}.{k}", _plain(v)] for step in ("features", "model")
                for k, v in (params.get(step) or {}).items()]
    holdout = facts.get("holdout") or {}
    out += ["## Training settings", "", _table(["setting", "value"], rows), "",
            f"Seed {params.get('seed', defaults.SEED)}. Held-out rows: " + _holdout_text(holdout) + ".", ""]

    out += ["## Evaluation", ""]
    if held:
        out += [(f"### {'Held-out slice' if holdout.get('source') == 'split' else 'Test file at training time'} "
                f"({held.get('n', 0):,} rows)"), ""]
        out += _metrics_section(held, task, counts, facts.get("thresholds"))
    else:
        out += ["No held-out score (trained on every row with `--test-size 0`).", ""]
    if test:
        out += [f"### Test table `{test.get('data', '?')}` ({test.get('n', 0):,} rows)", ""]
        out += _metrics_section(test, task, counts, facts.get("thresholds"))
        if test.get("unknown_labels"):
            out += ["Labels in the test table the model does not know (ignored): "
                    + ", ".join(f"`{l}`" for l in test["unknown_labels"]) + ".", ""]

    out += ["## Calibration", "",
            "Expected calibration error (ECE): probabilities put into "
            f"{held.get('ece_bins', defaults.ECE_BINS)} equal-width bins on [0, 1]; the count-weighted mean gap "
            "between each bin's mean probability and how often its events happened (0: perfectly calibrated). "
            + ("Events: every label's probability for every row, against whether the row has that label."
               if multi else "Events: the top label's probability, against whether it is the true label."), ""]
    cal = [[where, m["ece"]] for where, m in (("held-out rows", held), ("test table", test or {})) if "ece" in m]
    if cal:
        out += [_table(["rows", "ECE"], cal, right={1}), ""]
    out += ["`classifier evaluate TEST --report report.html` draws the reliability diagram.", ""]

    out += ["## Decision thresholds", ""]
    if facts.get("thresholds"):
        out += [(f"Each label is given when its probability reaches its own threshold, chosen for "
                f"{facts['threshold_target']} on out-of-fold probabilities of the training rows (never on test "
                "rows). `predict --threshold T` uses T for every label instead."), "",
                _table(["label", "threshold"], [[f"`{l}`", t] for l, t in facts["thresholds"].items()], right={1}), ""]
    elif multi:
        out += [(f"Every label is given when its probability reaches {defaults.THRESHOLD_MULTI} "
                "(`predict --threshold T` changes it)."), ""]
    else:
        out += [("The most probable label is always given; `predict --threshold T` lets the model abstain when the "
                "top probability is below T, and `--top-k K` gives the K most probable."), ""]

    out += ["## Known limits", ""] + [f"- {line}" for line in facts["limits"]] + [""]
    notes = facts.get("notes") or []
    if notes:
        out += ["Notes recorded at training time:", ""] + [f"- {n}" for n in notes] + [""]

    path = file.get("path", f"models/{name}")
    out += ["## How to use", "", "```bash",
            f'classifier predict --model {path} "Police arrest three members of a banned outfit"',
            f"classifier predict --model {path} --input news.csv --output labelled.csv --probs",
            "```", "", "```python", "import classifier", "",
            f'model = classifier.load("{path}")',
            'classifier.predict(model, ["Police arrest three members of a banned outfit"])', "```", ""]
    out += ["## How to load and verify the file", ""]
    if file:
        out += [f"- File: `{name}`, {file['bytes']:,} bytes, {file['format']} format.",
                f"- SHA-256 of the file: `{file['sha256']}`. Check it before loading a copy:", "",
                "  ```bash", f"  sha256sum {name}   # must print {file['sha256']}", "  ```", ""]
    out += [("- A `.skops` file loads without running code from the file: only the types this project writes are "
            "trusted, any other is refused. A `.joblib` file is a Python pickle, and loading one can run arbitrary "
            "code: load it only from a source you trust, and share models as `.skops` "
            "(`classifier convert model.joblib model.skops`)."),
            "- The loader checks the file's internal payload checksum"
            + (f" (`{file['payload_sha256']}`)" if file.get("payload_sha256") else "")
            + " and that its classifier scores the labels its card lists, and warns when the library versions "
            "differ from those it was saved with:", "",
            "  " + _table(["library", "version"], [[k, v] for k, v in (facts.get("library_versions") or {}).items()]
                          ).replace("\n", "\n  "), "",
            (f"- `classifier info --model {path}` prints the card stored inside the file; it must match this one "
            f"(created {facts.get('created', '?')}, training data SHA-256 `{data.get('sha256', '')[:16]}…`)."), ""]
    return "\n".join(out)


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(map(str, value)) if all(isinstance(v, int) for v in value) else ", ".join(map(str, value))
    if value is None:
        return "none"
    return str(value)


def _holdout_text(holdout: dict) -> str:
    source = holdout.get("source")
    if source == "split":
        text = (f"a {'stratified ' if holdout.get('stratified') else ''}{holdout.get('test_size')} slice "
                f"({holdout.get('rows_test', 0):,} rows; seed {holdout.get('seed')})")
        if holdout.get("refit_on_all_rows"):
            text += ", then the model was refitted on every row"
        return text
    if source == "file":
        return f"the test file `{holdout.get('path')}` ({holdout.get('rows', 0):,} rows, SHA-256 " \
               f"`{str(holdout.get('sha256', ''))[:16]}…`)"
    return "none"


def model_card(model: Model, *, file: dict | None = None, test: str | Path | None = None,
               output: str | Path | None = None, text_col: str | None = None, label_col: str | None = None,
               encoding: str | None = None, progress: Progress = quiet_progress) -> dict:
    """The readable card of ``model``: ``{"markdown", "facts", "output"}``, written to ``output`` when given.

    With ``test`` (a labelled table), the model is first scored on it (as ``evaluate`` does) and the card
    adds those metrics. ``file`` is the model file's facts (see :func:`card_facts`).
    """
    if output is not None and Path(output).is_dir():
        raise OutputError(f"The card path {output} is a folder.", f"Give a file name such as {CARD_NAME}.")
    metrics = None
    if test is not None:
        metrics = evaluate(model, test, text_col=text_col, label_col=label_col, encoding=encoding, progress=progress)
    progress("Writing the card")
    facts = card_facts(model, file=file, test=metrics)
    text = render_markdown(facts)
    written = write_card(output, text) if output is not None else None
    return {"output": None if written is None else str(written), "markdown": text, "facts": facts}


def write_card(path: str | Path, text: str) -> Path:
    """Write the Markdown ``text`` to ``path`` atomically; return the path."""
    write_whole(Path(path), text.encode("utf-8"))
    return Path(path)

