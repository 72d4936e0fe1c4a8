"""The studio's small library: what every app builds on, and nothing app-specific.

Job rows and their queue (jobs), the unsigned 64-bit seed field (fields), stored files
(storage, files, media), rate limits, the SQLite cache, and two middlewares. It never
imports an app or the project glue around it (tests/safeface/test_architecture.py).
"""
