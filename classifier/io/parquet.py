"""Reading Parquet tables (local files or URLs, optionally gzip-compressed) in record batches.

Parquet needs random access, so a ``.parquet.gz`` is inflated as a stream into an anonymous temporary file
(on disk, not in memory), and refused once it passes :data:`classifier.defaults.MAX_PARQUET_GZ_BYTES`.
Column chunks are read as each batch needs them (``pre_buffer=False``): pyarrow's default of reading
ahead held a whole 2.3 GB file in memory while iterating over its batches.
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Iterator

import pandas as pd

from classifier import defaults
from classifier.errors import InputError, TableError
from classifier.io.columns import check_header
from classifier.io.formats import STDIO, TableFormat, is_url, short_message, source_name
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
                handle = inflated(source, fmt)
            elif is_url(source):
                handle = open_binary(source, fmt)
            reader = pq.ParquetFile(source if handle is None else handle, pre_buffer=False)
        except (pa.ArrowException, OSError, EOFError, gzip.BadGzipFile) as exc:
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


def inflated(source, fmt: TableFormat, limit: int | None = None):
    """An anonymous temporary file holding ``source`` decompressed, refused once larger than ``limit`` bytes
    (default :data:`classifier.defaults.MAX_PARQUET_GZ_BYTES`)."""
    limit = defaults.MAX_PARQUET_GZ_BYTES if limit is None else limit
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller, who closes it)
    try:
        with open_binary(source, fmt) as compressed:
            written = 0
            while block := compressed.read(min(1024**2, limit - written + 1)):
                written += len(block)
                if written > limit:
                    raise TableError(f"{source_name(source)} inflates to more than {limit:,} bytes, the most a "
                                     ".parquet.gz is decompressed to; it was not read further.",
                                     "Decompress it (gunzip) and give the plain .parquet file, which is read in "
                                     "batches (Parquet compresses its own columns, so gzip adds little).")
                spool.write(block)
        spool.seek(0)
        return spool
    except BaseException:
        spool.close()
        raise
