"""Auditing a labelled table: likely label errors, duplicates, train/test overlap, rare labels, short texts.

:func:`audit` reads a labelled table and returns counts of each kind of problem plus a ranked
list of the rows to review (optionally written to a table). The checks:

- **Likely label errors**, as in confident learning (Northcutt et al., 2021): every row gets
  out-of-fold probabilities from a k-fold cross-validation of the project's pipeline on the
  table itself, so no row is scored by a model that saw it (:mod:`.crossval`). A row is
  flagged when another label is predicted with at least the confidence the model typically
  has for rows really given that label; a row whose out-of-fold prediction differs from its
  label without that confidence is a *label doubt* (:mod:`.label_issues`). Rows are ranked by
  ``error_score``: one minus the out-of-fold probability of the label the row was given.
  Multi-label, each label is judged on its own (present or absent), after a second, cheap
  cross-validated step that re-estimates each label's probability from the text model's
  out-of-fold scores for every label (so one label's score can inform another's, as when one
  label implies another); a row's ``error_score`` is that of its least likely label value.
  (The row's other *given* labels are deliberately not used: when several labels of a row are
  wrong together they would vouch for each other.)
- **Exact duplicates**: the same text after case folding and collapsing white space. **Near
  duplicates**: texts whose sets of word ``shingle_words``-grams have a Jaccard similarity of
  at least ``near_duplicate``, found with MinHash and locality-sensitive hashing and then
  checked exactly (:mod:`.duplicates`). Duplicates whose labels differ are reported as
  conflicting.
- **Overlap with a test table**: rows of the data whose text is an exact or near copy of a row
  of ``test``.
- Labels with fewer than ``min_label_rows`` rows; empty texts, missing labels and texts of
  fewer than ``short_words`` words.

Modules: :mod:`.table` (the table with every row kept), :mod:`.duplicates`, :mod:`.crossval`,
:mod:`.label_issues`, :mod:`.ranking` (issues, order, counts) and :mod:`.run` (:func:`audit`,
which runs them in turn).
"""

from classifier.audit.duplicates import near_duplicate_pairs
from classifier.audit.ranking import COLUMNS, ISSUES
from classifier.audit.run import audit

__all__ = ["COLUMNS", "ISSUES", "audit", "near_duplicate_pairs"]
