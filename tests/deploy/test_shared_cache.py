"""RAPPORT_REDIS_URL gives every app server one cache (Redis runs on 127.0.0.1:6379 on our machines)."""

import os
import secrets

from tests.deploy import production


def test_the_redis_cache_setting_works_from_a_fresh_process(tmp_path):
    key = f"rapport-test-{secrets.token_hex(8)}"
    env = {**os.environ, "RAPPORT_DEBUG": "1", "RAPPORT_VAR_DIR": str(tmp_path),
           "RAPPORT_REDIS_URL": "redis://127.0.0.1:6379/15"}
    env.pop("DATABASE_URL", None)
    script = "; ".join([
        "from django.core.cache import cache, caches",
        f"cache.set('{key}', 'shared', 30)",
        f"print(type(caches['default']).__name__, cache.get('{key}'))",
        f"cache.delete('{key}')",
    ])
    output = production.run_manage(env, "shell", "--no-imports", "-c", script)
    assert "RedisCache shared" in output
