"""Streaming corpus readers, bundled corpora and their MANIFEST."""

import bz2
import collections
import gzip
import hashlib
import lzma
import math
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowram import FormatError, corpora
from lowram.corpora import Corpus, read_counts, read_lines, read_tokens, zipf_stream

OPENERS = {"plain": open, "gz": gzip.open, "xz": lzma.open, "bz2": bz2.open}

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c"
                           "\x1c\x1d\x1e\x85\u2028\u2029"),
    min_size=1).filter(lambda s: s.strip() == s and s)


@pytest.mark.parametrize("compression", list(OPENERS))
@given(lines=st.lists(line_text, min_size=1, max_size=30))
def test_read_lines_round_trip_every_compression(tmp_path_factory, compression, lines):
    path = tmp_path_factory.mktemp("c") / f"words.{compression}"
    with OPENERS[compression](path, "wb") as fh:
        fh.write("\n".join(lines).encode("utf-8") + b"\n")
    assert list(read_lines(path)) == lines


def test_read_lines_is_lazy(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("a\nb\n\xff\n".replace("\xff", "c"), encoding="utf-8")
    gen = read_lines(path)
    assert next(gen) == "a"  # a generator: nothing read past what was asked


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="corpus not found"):
        list(read_lines("/no/such/corpus.txt"))


def test_directory(tmp_path):
    with pytest.raises(FormatError, match="is a directory"):
        list(read_lines(tmp_path))


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="empty file"):
        list(read_lines(path))


def test_empty_after_decompression(tmp_path):
    path = tmp_path / "empty.gz"
    with gzip.open(path, "wb"):
        pass
    with pytest.raises(FormatError, match="empty"):
        list(read_lines(path))


def test_non_utf8_line_names_line_and_byte_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"alpha\nbeta\ngam\xffma\n")
    with pytest.raises(FormatError, match=r"line 3, byte offset 14: not UTF-8"):
        list(read_lines(path))


def test_non_utf8_in_compressed_file(tmp_path):
    path = tmp_path / "bad.xz"
    with lzma.open(path, "wb") as fh:
        fh.write(b"ok\n\xc3\x28\n")
    with pytest.raises(FormatError, match=r"line 2, byte offset 3"):
        list(read_lines(path))


def test_truncated_compressed_file(tmp_path):
    good = lzma.compress(b"word\n" * 10000)
    path = tmp_path / "cut.xz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(FormatError, match="corrupt or truncated"):
        list(read_lines(path))


def test_read_counts_and_malformed(tmp_path):
    path = tmp_path / "f.tsv"
    path.write_text("the\t10\nof\t7\n", encoding="utf-8")
    assert list(read_counts(path)) == [("the", 10), ("of", 7)]
    for body, msg in [("the 10\n", "expected word<TAB>count"), ("the\tten\n", "not an integer"),
                      ("the\t-1\n", "negative count"), ("\t5\n", "expected word")]:
        path.write_text(body, encoding="utf-8")
        with pytest.raises(FormatError, match=msg):
            list(read_counts(path))


def test_read_tokens(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Don't panic: 42 towels!\nÉté_x\n", encoding="utf-8")
    assert list(read_tokens(path)) == ["don't", "panic", "42", "towels", "été", "x"]


def test_zipf_stream_is_seeded_and_follows_counts():
    pairs = [("a", 6), ("b", 3), ("c", 1)]
    first = list(zipf_stream(pairs, 20_000, seed=5))
    assert first == list(zipf_stream(pairs, 20_000, seed=5))
    assert first != list(zipf_stream(pairs, 20_000, seed=6))
    counts = collections.Counter(first)
    for word, weight in pairs:
        p = weight / 10
        sigma = math.sqrt(20_000 * p * (1 - p))
        assert abs(counts[word] - 20_000 * p) < 4 * sigma


def test_zipf_stream_with_exponent_and_errors():
    pairs = [("rare", 1), ("common", 100)]
    stream = list(zipf_stream(pairs, 10_000, seed=0, exponent=2.0))
    # rank 1 ("common") has weight 1, rank 2 has 1/4: P(common) = 0.8
    assert abs(stream.count("common") / 10_000 - 0.8) < 4 * math.sqrt(0.16 / 10_000)
    with pytest.raises(ValueError, match="at least one"):
        list(zipf_stream([], 5))
    with pytest.raises(ValueError, match="non-negative"):
        list(zipf_stream(pairs, -1))


def test_zipf_stream_from_bundled_frequencies():
    path = corpora.bundled_path("english-frequencies")
    tokens = list(zipf_stream(path, 5000, seed=1))
    assert len(tokens) == 5000 and collections.Counter(tokens).most_common(1)[0][0] == "the"


def test_manifest_matches_shipped_files():
    files = resources.files("lowram._corpora")
    for filename, fields in corpora.manifest().items():
        data = files.joinpath(filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == fields["sha256"], filename
        assert int(fields["file_bytes"]) == len(data)
        for key in ("source", "licence", "items", "distinct", "kind", "name"):
            assert fields[key], (filename, key)


@pytest.mark.parametrize("name", ["english-words", "english-frequencies", "sample-emoji",
                                  "sample-combining", "sample-cjk"])
def test_bundled_counts_match_manifest(name):
    corpus = Corpus.bundled(name)
    assert sum(1 for _ in corpus) == corpus.count


def test_bundled_token_stream_is_large_and_zipfian():
    corpus = Corpus.bundled("wordnet-tokens")
    counts = collections.Counter(corpus)
    assert sum(counts.values()) == corpus.count >= 1_000_000
    top = [c for _, c in counts.most_common(100)]
    # Zipf: frequency falls roughly as 1/rank, so rank 10 is several times rarer than rank 1
    assert top[0] > 3 * top[9] and top[9] > 3 * top[99]


def test_generated_int_corpus_is_reproducible():
    corpus = Corpus.bundled("random-ints-1M")
    first = [x for _, x in zip(range(1000), corpus)]
    assert first == [x for _, x in zip(range(1000), corpus)]
    assert all(0 <= x < 1_000_000 for x in first)


def test_corpus_resolve_and_errors(tmp_path):
    path = tmp_path / "ints.txt"
    path.write_text("1\n2\nx\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 3: 'x' is not an integer"):
        list(Corpus(path, "ints"))
    with pytest.raises(ValueError, match="unknown corpus kind"):
        Corpus(path, "bananas")
    assert Corpus.resolve("english-words").kind == "words"
    with pytest.raises(KeyError):
        corpora.bundled_path("no-such-corpus")


def test_pickled_corpus_streams_again():
    import pickle

    corpus = Corpus.bundled("sample-arabic")
    clone = pickle.loads(pickle.dumps(corpus))
    assert clone == corpus and list(clone) == list(corpus)
