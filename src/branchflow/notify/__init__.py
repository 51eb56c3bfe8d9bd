"""Tell people where they already are: 企业微信 / 钉钉 group robots and e-mail.

settings.py parses [notify]; events.py turns what happened (a drop recorded, a reminder due,
a 撞单 decided, documents rendered, folders distributed) into outbox rows, written by the
archive in the same transaction as the event; sender.py delivers them through channels.py, with
retry, backoff and each robot's rate limit, and delivery.py runs it (a thread beside the
watcher's loop, the end of `ingest`, `notify test`). messages.py and formats.py hold the texts
and the number guard. This module imports nothing, so config.py can read settings.py cheaply.
"""
