"""Compiled kernels (Cython). Private: the public API re-exports what users need."""
