"""Checks that turn a ParsedWorkbook into a ValidatedBatch of normalised records and Issues."""
