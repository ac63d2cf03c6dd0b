"""Training: from a labelled table to a model with its card and held-out metrics.

- :mod:`.data`: checks that labelled data can train a model, held-out splits and targets.
- :mod:`.in_memory`: the default pipeline, trained in memory.
- :mod:`.out_of_core`: hashed features and SGD-fitted SVMs for tables larger than memory.
- :mod:`.card`: the model card every training path writes.
"""
