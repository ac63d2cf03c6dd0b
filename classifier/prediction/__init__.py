"""Prediction: labels and scores for texts in memory, in tables on one machine, or on a Dask cluster.

- :mod:`.scoring`: the decision rule (labels, scores and added columns) and scoring one chunk.
- :mod:`.texts`: texts held in memory.
- :mod:`.batch`: tables streamed in chunks, on threads or worker processes, in input order.
- :mod:`.dask_engine`: the same job run by a Dask cluster, one output file per partition.
"""
