"""Envelope encryption for clinical text. See keys.py (KEK), keyring.py (DEKs), fields.py (model fields)."""
