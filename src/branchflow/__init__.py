"""branchflow: branch Excel drops → validation → receipts → master archive → HQ documents."""

__version__ = "0.1.0"
