"""Encrypted backups that restore: `manage.py backup` and `manage.py restore`.

tables.py   which tables a backup holds, in which order, and the schema state (applied migrations)
codec.py    column values <-> JSON, ciphertexts kept as stored (never decrypted)
dump.py     one consistent read snapshot -> a stream of records
archive.py  the file: a plain header, then the gzip-compressed stream sealed in AES-256-GCM chunks
create.py   backup: snapshot -> archive, written under a temporary name, audited
load.py     restore into an empty, migrated database in one transaction, then prove it opens
errors.py   BackupError, RestoreRefused

See docs/backups.md.
"""
