"""Every sketch kind is found by name in a fresh process: ``from_bytes``, ``load``, pickle and
``lowram.redis.fetch`` (kinds are registered when their class is defined, and
``import lowram`` defines them all). Each check runs in a new interpreter that imports only
``lowram`` (and ``lowram.redis``), so nothing the test session imported can hide a missing
registration."""

from __future__ import annotations

import pickle

import pytest

import lowram
from lowram import (BloomFilter, CountMinSketch, FormatError, HyperLogLog, KMinValues, LogLog,
                    MorrisCounter, ScalableBloomFilter, SuperLogLog)
from lowram.sketches import sketch_from_bytes
from lowram.sketches._base import KINDS
from subprocess_runner import run_ok


def _samples() -> dict:
    """One filled sketch of every kind, by envelope kind name."""
    items = [f"item-{i}" for i in range(500)]
    out = {
        "HyperLogLog": HyperLogLog(10, seed=3),
        "HyperLogLog/redis": HyperLogLog(14, hash="redis"),
        "LogLog": LogLog(8),
        "SuperLogLog": SuperLogLog(9),
        "KMinValues": KMinValues(64),
        "BloomFilter": BloomFilter(1000, 0.01),
        "ScalableBloomFilter": ScalableBloomFilter(64, 0.01),
        "CountMinSketch": CountMinSketch(64, 3),
    }
    for sk in out.values():
        sk.update(items)
    morris = MorrisCounter(seed=5)
    morris.increment(1000)
    out["MorrisCounter"] = morris
    return out


SAMPLES = _samples()


def test_every_kind_has_a_sample_and_a_class():
    # a new kind without a sample here fails, so the fresh-process checks below cover it
    assert set(SAMPLES) == set(KINDS)
    for kind, sk in SAMPLES.items():
        assert type(sk) is KINDS[kind] and sk._KIND == kind


def test_from_bytes_load_and_pickle_in_this_process(tmp_path):
    for kind, sk in SAMPLES.items():
        blob = sk.to_bytes()
        assert sketch_from_bytes(blob) == sk
        assert type(sk).from_bytes(blob) == sk
        path = tmp_path / f"{kind.replace('/', '_')}.lowram"
        sk.save(path)
        assert type(sk).load(path) == sk
        assert pickle.loads(pickle.dumps(sk)) == sk
    redis_hll = SAMPLES["HyperLogLog/redis"]
    back = HyperLogLog.from_bytes(redis_hll.to_bytes())  # the base class opens its subclass
    assert back.hash_name == "redis" and back == redis_hll
    with pytest.raises(FormatError, match="holds a 'HyperLogLog', not a 'LogLog'"):
        LogLog.from_bytes(SAMPLES["HyperLogLog"].to_bytes())
    with pytest.raises(FormatError, match="not a lowram sketch"):
        sketch_from_bytes(lowram.StringSet(["a"]).to_bytes())


_FRESH = """
import pickle, sys
import lowram
from lowram.sketches import sketch_from_bytes
for line in open(sys.argv[1]):
    kind, how, data = line.split()
    data = bytes.fromhex(data)
    if how == "bytes":
        sk = sketch_from_bytes(data)
    elif how == "class":
        sk = getattr(lowram, kind.split("/")[0]).from_bytes(data)
    else:
        sk = pickle.loads(data)
    assert sk._KIND == kind, (sk._KIND, kind)
    print(kind, how, sk.to_bytes().hex())
"""


def test_every_kind_opens_in_a_fresh_interpreter(tmp_path):
    lines = []
    for kind, sk in SAMPLES.items():
        lines.append(f"{kind} bytes {sk.to_bytes().hex()}")
        lines.append(f"{kind} class {sk.to_bytes().hex()}")
        lines.append(f"{kind} pickle {pickle.dumps(sk, protocol=5).hex()}")
    listing = tmp_path / "blobs.txt"
    listing.write_text("\n".join(lines) + "\n")
    out = run_ok(_FRESH, str(listing))
    got = {(k, how): data for k, how, data in (line.split() for line in out.splitlines())}
    assert len(got) == 3 * len(SAMPLES)
    for (kind, _how), data in got.items():
        assert bytes.fromhex(data) == SAMPLES[kind].to_bytes()


_FETCH = """
import sys
import lowram.redis
import redis
client = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
for kind in sys.argv[2:]:
    sk = lowram.redis.fetch(client, "kinds:" + kind)
    print(kind, type(sk).__name__, sk.to_bytes().hex())
"""


def test_redis_store_and_fetch_every_kind_in_a_fresh_interpreter(redis_server):
    import lowram.redis as lr

    for kind, sk in SAMPLES.items():
        lr.store(redis_server, "kinds:" + kind, sk)
    port = redis_server.connection_pool.connection_kwargs["port"]
    out = run_ok(_FETCH, str(port), *SAMPLES)
    rows = [line.split() for line in out.splitlines()]
    assert [r[0] for r in rows] == list(SAMPLES)
    for kind, cls_name, data in rows:
        assert cls_name == type(SAMPLES[kind]).__name__
        assert bytes.fromhex(data) == SAMPLES[kind].to_bytes()


def test_kmv_memory_follows_the_hashes_held_not_k():
    """A sketch of large k costs what it holds (room doubles to 8 k bytes as hashes come), so
    a 40-byte payload claiming k = 2**26 does not make its open allocate 512 MB."""
    import sys

    from lowram.sketches import KMinValues

    small = KMinValues(k=2**26, seed=1)
    small.update([f"w{i}" for i in range(3)])
    assert sys.getsizeof(small) < 4096
    opened = KMinValues.from_bytes(small.to_bytes())
    assert sys.getsizeof(opened) < 4096 and opened.estimate() == small.estimate()
    full = KMinValues(k=1000)
    full.update(range(50_000))
    assert 8 * 1000 <= sys.getsizeof(full) < 8 * 1000 + 4096   # full: room for k exactly
    assert len(full.hashes()) == 1000
    full.clear()
    assert sys.getsizeof(full) < 4096 and len(full.hashes()) == 0
