import numpy as np
import numpy.typing as npt

def kmv_insert(values: npt.NDArray[np.uint64], n: int, hashes: npt.NDArray[np.uint64]) -> int: ...
