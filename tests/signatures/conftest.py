import pytest
from django.core.cache import cache

from tests.config.test_settings import redis_is_running
from tests.servers import REDIS_URL


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings):
    """The in-memory cache, then a real Redis, as every process shares it in production."""
    if request.param == "redis":
        if not redis_is_running():
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL}
        }
    cache.clear()
    yield request.param
    cache.clear()
