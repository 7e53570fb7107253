"""lowram.redis against a real redis-server: store/fetch/merge any sketch, Redis' own HLL."""

import random

import pytest

from lowram import BloomFilter, CountMinSketch, FormatError, HyperLogLog, KMinValues
from lowram import redis as lr

redis = pytest.importorskip("redis")


def _items(n, seed=0):
    rng = random.Random(seed)
    return [f"user-{rng.getrandbits(40)}" for _ in range(n)] + ["ж", "🐍", b"\x00\xff", 42]


@pytest.mark.parametrize("make", [
    lambda: HyperLogLog(p=12, seed=3),
    lambda: BloomFilter(5000, 0.01, seed=5),
    lambda: CountMinSketch(512, 4, seed=1),
    lambda: KMinValues(256, seed=2),
])
def test_store_fetch_round_trip(redis_server, make):
    sketch = make()
    sketch.update([x for x in _items(3000) if not isinstance(x, int)])
    lr.store(redis_server, "rt", sketch)
    back = lr.fetch(redis_server, "rt")
    assert type(back) is type(sketch) and back == sketch
    assert not [k for k in redis_server.keys("*lowram-tmp*")]  # nothing half-written left


def test_merge_keys_equals_the_sketch_of_the_whole(redis_server):
    items = _items(20_000)
    parts = [items[i::3] for i in range(3)]
    whole = HyperLogLog(p=14)
    whole.update(items)
    for i, part in enumerate(parts):
        h = HyperLogLog(p=14)
        h.update(part)
        lr.store(redis_server, f"part:{i}", h)
    merged = lr.merge_keys(redis_server, [f"part:{i}" for i in range(3)], into="whole")
    assert merged == whole and lr.fetch(redis_server, "whole") == whole


def test_merge_keys_mismatch_and_missing(redis_server):
    lr.store(redis_server, "a", HyperLogLog(p=12))
    lr.store(redis_server, "b", HyperLogLog(p=13))
    with pytest.raises(ValueError, match="p 12 != 13"):
        lr.merge_keys(redis_server, ["a", "b"])
    with pytest.raises(KeyError, match="no Redis key"):
        lr.fetch(redis_server, "no-such-key")
    with pytest.raises(ValueError, match="at least one key"):
        lr.merge_keys(redis_server, [])


def test_corrupt_value_rejected(redis_server):
    blob = bytearray(HyperLogLog(p=8).to_bytes())
    blob[-1] ^= 0x55
    redis_server.set("bad", bytes(blob))
    with pytest.raises(FormatError, match="checksum"):
        lr.fetch(redis_server, "bad")
    redis_server.set("alien", b"just a string")
    with pytest.raises(FormatError):
        lr.fetch(redis_server, "alien")


def test_failed_write_leaves_nothing_behind(redis_server):
    class FailingRename:
        def __init__(self, client):
            self.client = client

        def set(self, *a):
            return self.client.set(*a)

        def rename(self, *a):
            raise redis.ConnectionError("connection lost")

        def delete(self, *a):
            return self.client.delete(*a)

    with pytest.raises(redis.ConnectionError):
        lr.store(FailingRename(redis_server), "never", HyperLogLog(p=10))
    assert redis_server.get("never") is None
    assert not redis_server.keys("never.lowram-tmp*")


def test_unreachable_server_is_a_clear_error():
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1,
                         retry=Retry(NoBackoff(), 0))
    with pytest.raises(redis.ConnectionError):
        lr.store(client, "k", HyperLogLog(p=10))


@pytest.mark.parametrize("n", [0, 1, 100, 3000, 50_000])
def test_redis_reads_what_lowram_wrote_and_back(redis_server, n):
    items = _items(n, seed=n)
    ours = HyperLogLog(p=14, hash="redis")
    ours.update(items)
    key = f"native:{n}"
    for i in range(0, len(items), 5000):
        redis_server.pfadd(key, *items[i:i + 5000])
    # lowram reads PFADD's string (sparse for small n, dense for large): same registers
    theirs = lr.fetch_redis_hll(redis_server, key)
    assert (theirs.registers() == ours.registers()).all()
    assert len(ours) == redis_server.pfcount(key)
    # Redis reads what lowram wrote: PFCOUNT and PFMERGE agree
    lr.store_redis_hll(redis_server, f"ours:{n}", ours)
    assert redis_server.pfcount(f"ours:{n}") == redis_server.pfcount(key)
    redis_server.pfmerge(f"both:{n}", f"ours:{n}", key)
    assert redis_server.pfcount(f"both:{n}") == redis_server.pfcount(key)


def test_redis_mode_is_a_hyperloglog_with_fixed_parameters():
    h = HyperLogLog(p=14, hash="redis")
    assert isinstance(h, HyperLogLog) and h.hash_name == "redis"
    with pytest.raises(ValueError, match="p=14"):
        HyperLogLog(p=12, hash="redis")
    with pytest.raises(ValueError, match="unknown hash"):
        HyperLogLog(p=12, hash="md5")
    with pytest.raises(TypeError):
        h.merge(HyperLogLog(p=14))  # a different hash: registers are not comparable
    with pytest.raises(ValueError, match="hash='redis'"):
        lr.to_redis_string(HyperLogLog(p=14))


def test_crafted_redis_strings_rejected():
    header = b"HYLL" + bytes([1, 0, 0, 0]) + bytes(8)
    for body, msg in [(b"\x7f\xfe", "covers 16383"), (b"\x7f\xff\x80", "exceed"),
                      (b"\x40", "cut off"), (b"", "covers 0")]:
        with pytest.raises(FormatError, match=msg):
            lr.from_redis_string(header + body)
    with pytest.raises(FormatError, match="12304 bytes"):
        lr.from_redis_string(b"HYLL" + bytes(12) + bytes(100))
    with pytest.raises(FormatError, match="encoding 7"):
        lr.from_redis_string(b"HYLL" + bytes([7]) + bytes(11) + bytes(10))
    with pytest.raises(FormatError, match="bad magic"):
        lr.from_redis_string(b"NOPE" + bytes(20))
    dense = bytearray(b"HYLL" + bytes(12) + bytes(12288))
    dense[16] = 0x3F  # register 0 = 63: impossible at p=14
    with pytest.raises(FormatError, match="impossible"):
        lr.from_redis_string(bytes(dense))
