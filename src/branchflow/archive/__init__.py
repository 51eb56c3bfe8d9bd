"""The system of record: schema, migrations, upserts, conflicts, provenance (all SQL lives here).

store.Archive is the entry point. Inside: schema (tables), migrate + migrations/ (Alembic
revisions run on open), db (engine: SQLite pragmas, PostgreSQL session settings, the writers'
lock), ledger (files and their issues), phonebook and customers (upsert by phone, history, 撞单),
followups, reportdata (monthly / market / weekly / HQ sets), reads (bulk reads for export and
reports), bulk (fast executemany and reads), originals (content-addressed copies of every drop),
claims (which watcher processes which inbox file, across machines), transfer (`store migrate`,
`store copy`).
"""
