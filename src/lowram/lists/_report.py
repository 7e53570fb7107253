"""The lists' entries in ``lowram-report`` (see :mod:`lowram.report.registry`)."""

__all__ = ["REPORT"]

REPORT = [
    dict(name="IntList", kinds=("ints", "counts"), builder="lowram.lists:IntList",
         query="getitem", family="lowram", note="contiguous ints, width adapts int8..int64"),
    dict(name="PackedIntArray", kinds=("ints", "counts"),
         builder="lowram.lists:PackedIntArray.from_iterable", query="getitem", family="lowram",
         note="frozen; frame of reference + minimum bit width"),
    dict(name="StrList", kinds=("words", "tokens"), builder="lowram.lists:StrList",
         query="getitem", family="lowram", note="one UTF-8 buffer + auto-width offsets"),
]
