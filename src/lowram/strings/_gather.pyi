from typing import Iterable, Iterator

MIN_BUDGET: int
MAX_RUN: int
WINDOW: int

def default_budget() -> int: ...

class KeyStream:
    n: int
    text_bytes: int
    longest: int
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    @property
    def buffer(self) -> memoryview: ...
    @property
    def nbytes(self) -> int: ...

class Gather:
    budget: int
    run_limit: int
    has_empty: bool
    runs_made: int
    runs_sorted: int
    spilled_bytes: int
    peak_held: int
    def __init__(self, budget: int | None = ..., run_limit: int | None = ...) -> None: ...
    def add_keys(self, iterable: object, what: str = ...) -> None: ...
    def finish(self) -> KeyStream: ...

def collect(iterable: Iterable[str], what: str = ...,
            budget: int | None = ...) -> tuple[KeyStream, bool]: ...
