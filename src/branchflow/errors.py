"""The one small tree of operational failures (data problems are Issues, never exceptions)."""


class BranchflowError(Exception):
    """An operational failure; its message names what went wrong and what to do next."""


class ConfigError(BranchflowError):
    """branchflow.toml (or an override) is missing or wrong."""


class WorkspaceError(BranchflowError):
    """The workspace folder is missing or not usable."""


class OutputError(BranchflowError):
    """An output (the outbox, a document, a workbook) cannot be written: disk, permissions, or
    a folder where the file should be."""


class StoreError(BranchflowError):
    """The archive database or the originals folder cannot be used."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached just now (refused, restarted, connection lost):
    nothing was written; the same work succeeds once it is back."""
