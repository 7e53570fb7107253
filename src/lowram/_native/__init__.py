"""Shared compiled code: hashing, UTF-8 encoding, str access, huge pages, timing loops."""
