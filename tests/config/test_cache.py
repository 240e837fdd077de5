import time

import pytest
import redis

from config.cache import LocMemCache, ResilientRedisCache
from tests import servers
from tests.config.test_settings import redis_is_running, run_manage
from tests.servers import REDIS_URL


def redis_cache(location=REDIS_URL):
    return ResilientRedisCache(
        location, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )


@pytest.fixture(params=["locmem", "redis"])
def cache(request):
    if request.param == "locmem":
        backend = LocMemCache("count-and-read-tests", {})
    else:
        if not redis_is_running():
            pytest.skip("no Redis on 127.0.0.1:6379")
        backend = redis_cache()
    backend.clear()
    yield backend
    backend.clear()


def test_counters_count_each_call_and_start_again_once_their_time_is_up(cache):
    counts = [cache.count_and_read(incr={"a": 1, "b": 60}, add={}, get=()).counts for _ in range(3)]
    time.sleep(1.1)
    later = cache.count_and_read(incr={"a": 1, "b": 60}, add={}, get=()).counts

    assert counts == [{"a": 1, "b": 1}, {"a": 2, "b": 2}, {"a": 3, "b": 3}]
    assert later == {"a": 1, "b": 4}


def test_a_key_is_added_once_until_its_time_is_up(cache):
    first = cache.count_and_read(incr={}, add={"used": 1}, get=()).added
    second = cache.count_and_read(incr={}, add={"used": 1}, get=()).added
    time.sleep(1.1)
    later = cache.count_and_read(incr={}, add={"used": 1, "other": 60}, get=()).added

    assert first == {"used": True}
    assert second == {"used": False}
    assert later == {"used": True, "other": True}


def test_values_set_through_the_cache_are_read_and_missing_ones_left_out(cache):
    cache.set("rules", {"limit": 30})
    cache.set("number", 7)

    values = cache.count_and_read(incr={"n": 60}, add={}, get=["rules", "missing", "number"])

    assert values.values == {"rules": {"limit": 30}, "number": 7}
    assert cache.get("n") == 1


def test_redis_hears_of_it_once(cache, monkeypatch):
    if not isinstance(cache, ResilientRedisCache):
        pytest.skip("round trips are Redis's")
    cache.count_and_read(incr={"warm": 1}, add={}, get=())
    commands = []
    execute = redis.Redis.execute_command

    def counted(client, *args, **options):
        commands.append(args[0])
        return execute(client, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)

    cache.count_and_read(incr={"a": 60, "b": 60}, add={"c": 60}, get=["d", "e"])

    assert commands == ["EVALSHA"]


def test_with_redis_down_nothing_is_counted_and_nothing_fails():
    cache = redis_cache(f"redis://127.0.0.1:{servers.closed_port()}/0")

    assert cache.count_and_read(incr={"a": 60}, add={"b": 60}, get=["c"]) is None


def test_either_cache_url_gives_a_cache_that_counts_and_reads():
    for url in ("locmemcache://", REDIS_URL):
        result = run_manage(
            "shell",
            "-c",
            "from django.core.cache import cache; print(hasattr(cache, 'count_and_read'))",
            DJANGO_DEBUG="on",
            CACHE_URL=url,
        )
        assert result.stdout.splitlines()[-1] == "True", result.stderr


def test_one_redis_client_serves_every_call_of_a_process():
    if not redis_is_running():
        pytest.skip("no Redis on 127.0.0.1:6379")
    backend = redis_cache()

    first = backend._cache.get_client(write=True)

    assert backend._cache.get_client("a key") is first
    assert backend.add("reuse-test", 1, 5) and backend.get("reuse-test") == 1
    backend.delete("reuse-test")
