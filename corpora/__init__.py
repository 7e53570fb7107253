"""Data package: the bundled corpora (see MANIFEST). Read through lowram.corpora."""
