"""The system of record: schema, migrations, upserts, conflicts, provenance (all SQL lives here)."""
