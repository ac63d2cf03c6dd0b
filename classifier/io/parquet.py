"""Reading Parquet tables (local files or URLs, optionally gzip-compressed) in record batches."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator

import pandas as pd

from classifier.errors import InputError, TableError
from classifier.io.columns import check_header
from classifier.io.formats import STDIO, TableFormat, is_url, short_message
from classifier.io.opening import open_binary


def iter_parquet(source, fmt: TableFormat, chunk_size: int | None) -> Iterator[pd.DataFrame]:
    """The rows of a Parquet file in chunks of at most ``chunk_size`` rows (one if ``None``).

    A file without rows gives one empty frame that still carries the columns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if str(source) == STDIO:
        raise InputError("Parquet cannot be read from standard input.", "Give the file's path instead.")
    handle = None
    try:
        try:
            if fmt.gzip:
                with open_binary(source, fmt) as compressed:
                    handle = io.BytesIO(compressed.read())
            elif is_url(source):
                handle = open_binary(source, fmt)
            reader = pq.ParquetFile(source if handle is None else handle)
        except (pa.ArrowException, OSError, gzip.BadGzipFile) as exc:
            raise TableError(f"{source} is not a readable Parquet file: {short_message(exc)}.",
                             "Check that you gave the right file.") from exc
        check_header(reader.schema_arrow.names, source)
        if reader.metadata.num_rows == 0:
            yield reader.schema_arrow.empty_table().to_pandas()
            return
        try:
            for batch in reader.iter_batches(batch_size=chunk_size or 2**31 - 1):
                yield batch.to_pandas()
        except pa.ArrowException as exc:
            raise TableError(f"{source} is not a readable Parquet file: {short_message(exc)}.",
                             "The file may be truncated or damaged; check that you gave the right file.") from exc
    finally:
        if handle is not None:
            handle.close()
