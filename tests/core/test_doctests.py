"""Run every docstring example of the installed lowram package, and the README's examples."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import lowram

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(lowram.__path__, prefix="lowram.")
    if not name.endswith("__main__") and "._isolated_worker" not in name
)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True)
    assert result.failed == 0, f"{result.failed} doctest failure(s) in {name}"


def test_package_has_doctests():
    attempted = 0
    for name in MODULES:
        finder = doctest.DocTestFinder()
        attempted += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert attempted >= 20


README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.skipif(not README.exists(), reason="README.md is not beside the tests")
def test_readme_examples():
    result = doctest.testfile(str(README), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


DOCS = sorted(p.name for p in (README.parent / "docs").glob("*.md") if ">>> " in p.read_text())


def test_the_docs_with_examples_are_found():
    assert not (README.parent / "docs").exists() or {"counter.md", "maps.md"} <= set(DOCS)


@pytest.mark.parametrize("name", DOCS)
def test_doc_examples(name):
    result = doctest.testfile(str(README.parent / "docs" / name), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
