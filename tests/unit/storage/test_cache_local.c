/* test_cache_local.c -- the in-process cache level with Redis unreachable: hits, misses, eviction, counters. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cache.h"
#include "prom.h"

int main(void)
{
    char err[256];
    prom_registry *reg = prom_registry_create();
    /* port 1 on loopback: connection refused at once, so only the local level works */
    cache_opts o = { .redis_addr = "127.0.0.1:1", .timeout_ms = 200, .conns = 2, .prefix = "t:",
                     .ttl_s = 10, .local_entries = 1, .prom = reg };
    cache *c = cache_create(&o, err, sizeof err);
    CHECK_MSG(c != NULL, "%s", err);
    if (!c) return CHECK_DONE();

    CHECK(cache_get(c, "q_a") == NULL);                 /* miss, Redis down: no crash */
    cache_put(c, "q_a", "{\"v\":1}");
    char *v = cache_get(c, "q_a");
    CHECK(v && strcmp(v, "{\"v\":1}") == 0);
    free(v);
    /* one slot: another key evicts the first */
    cache_put(c, "q_b", "{\"v\":2}");
    v = cache_get(c, "q_b");
    CHECK(v && strcmp(v, "{\"v\":2}") == 0);
    free(v);
    CHECK(cache_get(c, "q_a") == NULL);
    CHECK(!cache_redis_up(c));

    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.local_hits == 2);
    CHECK(st.redis_hits == 0);
    CHECK(st.hits == 2);
    CHECK(st.misses == 2);
    CHECK(strcmp(st.policy, "unknown") == 0);
    CHECK(st.keys == -1);
    cache_destroy(c);

    /* local level off: every lookup goes to (unreachable) Redis and misses */
    cache_opts o2 = o;
    o2.local_entries = 0;
    c = cache_create(&o2, err, sizeof err);
    cache_put(c, "q_a", "{}");
    CHECK(cache_get(c, "q_a") == NULL);
    cache_destroy(c);

    /* many keys in a larger table: each finds its own value or misses, never another's */
    cache_opts o3 = o;
    o3.local_entries = 64;
    c = cache_create(&o3, err, sizeof err);
    char key[32], val[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "q_%d", i);
        snprintf(val, sizeof val, "{\"i\":%d}", i);
        cache_put(c, key, val);
    }
    int found = 0;
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "q_%d", i);
        snprintf(val, sizeof val, "{\"i\":%d}", i);
        v = cache_get(c, key);
        if (v) {
            found++;
            CHECK_MSG(strcmp(v, val) == 0, "%s -> %s", key, v);
        }
        free(v);
    }
    CHECK(found > 0 && found <= 64);
    cache_destroy(c);
    prom_registry_destroy(reg);
    return CHECK_DONE();
}
