"""Build configuration for lowram's compiled kernels.

Every ``.pyx`` under ``src/lowram`` becomes one extension module, so a new kernel needs no
edit here. A kernel that needs C++ says so with ``# distutils: language = c++`` at its top.
Generated ``.c``/``.cpp`` files are build output and are never committed.
"""

from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

HERE = Path(__file__).parent
SRC = HERE / "src"


def _extensions():
    exts = []
    for pyx in sorted(SRC.glob("lowram/**/*.pyx")):
        rel = pyx.relative_to(SRC).with_suffix("")
        name = ".".join(rel.parts)
        exts.append(
            Extension(
                name,
                [str(pyx.relative_to(HERE))],
                include_dirs=[numpy.get_include(), str(pyx.parent)],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O3"],
            )
        )
    return cythonize(
        exts,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "embedsignature": True,
        },
        nthreads=0,
    )


setup(
    # the bundled corpora live at the top of the repository (corpora/) and ship inside
    # the package as lowram._corpora, so `lowram-report` works from an installed wheel.
    packages=find_packages("src") + ["lowram._corpora"],
    package_dir={"": "src", "lowram._corpora": "corpora"},
    package_data={
        "lowram": ["py.typed", "**/*.pyi", "**/*.pxd", "**/*.pxi", "**/*.h"],
        "lowram._corpora": ["MANIFEST", "*.xz", "*.gz", "*.txt", "*.tsv", "LICENSES/*"],
    },
    ext_modules=_extensions(),
)
