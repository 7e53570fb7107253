"""Build configuration for lowram's compiled cores.

Every ``.pyx`` under ``src/lowram`` becomes one extension module, so a new core needs no
edit here. A core that needs C++ says so with ``# distutils: language = c++`` at its top.
Generated ``.c``/``.cpp`` files are build output and are never committed.

Include paths: a module's own directory (its family's ``csrc/`` and ``.pxi`` includes), and
``src/lowram/_native/csrc``, the C that several families share (hashing, the UTF-8 encoder,
str access, huge pages), so a header there is included by its bare name.

Speed: Cython translates the modules in parallel and the C compiler runs one process per core
(``LOWRAM_BUILD_JOBS`` overrides), largest module first. Each compiled module is also kept in
``build/lowram-cache/`` under a key made of everything that goes into it (the sources of the
package, the compiler flags, the Python, Cython and numpy versions), so building the same
tree again (``pip install .`` then ``pip install '.[test]'``) copies instead of compiling.
``LOWRAM_BUILD_CACHE=0`` turns the cache off.
"""

import hashlib
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import Cython
import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
SRC = HERE / "src"
SHARED_C = SRC / "lowram" / "_native" / "csrc"
CACHE = HERE / "build" / "lowram-cache"
COMPILED_SOURCES = (".pyx", ".pxd", ".pxi", ".h")  # hand-written; generated .c is output


def _jobs() -> int:
    return max(1, int(os.environ.get("LOWRAM_BUILD_JOBS") or os.cpu_count() or 1))


def _extensions():
    exts = []
    for pyx in sorted(SRC.glob("lowram/**/*.pyx")):
        rel = pyx.relative_to(SRC).with_suffix("")
        exts.append(
            Extension(
                ".".join(rel.parts),
                [str(pyx.relative_to(HERE))],
                include_dirs=[numpy.get_include(), str(pyx.parent), str(SHARED_C)],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O3"],
            )
        )
    exts = cythonize(
        exts,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "embedsignature": True,
        },
        nthreads=_jobs(),
    )
    # the compiler pool takes modules in order: the largest first, so no long one starts last
    return sorted(exts, key=lambda e: -sum(os.path.getsize(s) for s in e.sources))


def _tree_digest() -> str:
    """Digest of every compiled input in the package, by relative path and content."""
    h = hashlib.sha256()
    for path in sorted(SRC.rglob("*")):
        if path.suffix in COMPILED_SOURCES and path.is_file():
            h.update(str(path.relative_to(SRC)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    for part in (sys.version, sysconfig.get_config_var("EXT_SUFFIX"),
                 sysconfig.get_config_var("CFLAGS"), os.environ.get("CFLAGS", ""),
                 Cython.__version__, numpy.__version__):
        h.update(repr(part).encode())
    return h.hexdigest()[:32]


class ParallelBuildExt(build_ext):
    """build_ext with one compiler process per core and a content-keyed module cache."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = _jobs()

    def build_extensions(self):
        self._digest = _tree_digest() if os.environ.get("LOWRAM_BUILD_CACHE", "1") != "0" else None
        super().build_extensions()

    def build_extension(self, ext):
        target = Path(self.get_ext_fullpath(ext.name))
        suffix = sysconfig.get_config_var("EXT_SUFFIX")  # names the Python it is built for
        cached = CACHE / f"{ext.name}-{self._digest}{suffix}" if self._digest else None
        if cached is not None and cached.exists() and not self.force:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, target)
            return
        super().build_extension(ext)
        if cached is not None:
            CACHE.mkdir(parents=True, exist_ok=True)
            for stale in CACHE.glob(f"{ext.name}-*{suffix}"):  # older sources, same Python
                stale.unlink(missing_ok=True)
            tmp = CACHE / f".{cached.name}.{os.getpid()}.tmp"
            shutil.copyfile(target, tmp)
            os.replace(tmp, cached)


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
    cmdclass={"build_ext": ParallelBuildExt},
)
