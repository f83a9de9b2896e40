"""The two errors every loader raises: one clear message, never a traceback to decode."""


class DataUnavailable(RuntimeError):
    """A data set is neither cached, mirrored nor downloadable (or a copy is corrupt)."""


class ChecksumError(DataUnavailable):
    """A file on disk is not the file the registry expects (corrupt or truncated)."""
