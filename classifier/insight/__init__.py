"""Insight into a trained model: evaluation on a labelled table and the HTML evaluation report.

- :mod:`.evaluation`: metrics of a model on a labelled table.
- :mod:`.report`: the self-contained HTML report with plots and the most confident mistakes.

The terms behind each prediction are in :mod:`classifier.explain`; the audit of training labels
is :mod:`classifier.audit`.
"""
