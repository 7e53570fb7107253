"""Import paths of lowram 0.1.0, kept so its pickles still load. Nothing else imports this.

0.1.0 kept the lists' compiled cores here; pickles of an IntList, FloatList, StrList or
PackedIntArray from that version name ``lowram._kernels._lists`` and ``lowram._kernels._packed``.
The code now lives with its family (:mod:`lowram.lists`); these modules only re-export the
names those pickles use.
"""
