"""Strings in little RAM: sets of str in tries."""

from .hat_trie import MutableStringSet

__all__ = ["MutableStringSet"]
