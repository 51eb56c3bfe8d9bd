"""Tell people where they already are: 企业微信 / 钉钉 group robots and e-mail.

settings.py parses [notify]; events.py turns what happened (a drop recorded, a reminder due,
a 撞单 decided, documents rendered, folders distributed) into outbox rows, written by the
archive in the same transaction as the event; sender.py delivers them (in the watcher's thread
of its own, or at the end of `ingest`) through channels.py, with retry, backoff and each
robot's rate limit. This module imports nothing, so config.py can read settings.py cheaply.
"""
