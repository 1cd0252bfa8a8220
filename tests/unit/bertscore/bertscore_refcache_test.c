/* bertscore_refcache_test.c -- the reference-embedding cache: each reference against 4 candidates, bit-identical scores with and without it, LRU bound, keys. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bertscore.h"
#include "check.h"

#define NREF 8
#define NCAND 4   /* attempts per question: the first answer and up to three regenerations */
#define NPAIR (NREF * NCAND)

/* Pairs in attempt order (attempt k of every reference, then attempt k + 1): reference i is
 * the fixture's reference i, its candidates the fixture's candidates i*4 .. i*4+3. */
static const char *cands[NPAIR], *refs[NPAIR];

static json_t *load_texts(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    json_t *all = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && json_is_string(json_object_get(j, "cand")))
            json_array_append(all, j);
        json_decref(j);
    }
    free(line);
    fclose(f);
    if (json_array_size(all) < NPAIR) {
        json_decref(all);
        return NULL;
    }
    for (int k = 0; k < NCAND; k++)
        for (int i = 0; i < NREF; i++) {
            cands[k * NREF + i] = json_string_value(json_object_get(json_array_get(all, (size_t)(i * NCAND + k)), "cand"));
            refs[k * NREF + i] = json_string_value(json_object_get(json_array_get(all, (size_t)i), "ref"));
        }
    return all;
}

/* Scores every pair in its own call (as the scorer sees attempts arrive) into out. */
static int score_one_by_one(const bertscore_model *m, const bertscore_opts *o, bertscore_result *out)
{
    char err[256];
    for (int p = 0; p < NPAIR; p++)
        if (bertscore_score(m, cands + p, refs + p, 1, o, out + p, err, sizeof err) != 0) {
            fprintf(stderr, "score pair %d: %s\n", p, err);
            return -1;
        }
    return 0;
}

static int same(const bertscore_result *a, const bertscore_result *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static bertscore_refcache_stats stats(bertscore_refcache *c)
{
    bertscore_refcache_stats st;
    bertscore_refcache_get_stats(c, &st);
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s scores.jsonl\n", argv[0]);
        return 2;
    }
    char err[512];
    json_t *texts = load_texts(argv[1]);
    if (!texts) {
        fprintf(stderr, "FAIL: cannot read %d pairs from %s\n", NPAIR, argv[1]);
        return 1;
    }
    bertscore_model *m = bertscore_model_load(check_model_dir(), err, sizeof err);
    if (!m) {
        fprintf(stderr, "FAIL: cannot load the model: %s\n", err);
        return 1;
    }
    bertscore_opts o;
    bertscore_opts_default(m, &o);
    static bertscore_result want[NPAIR], got[NPAIR], other[NPAIR];

    /* without the cache: the reference scores */
    CHECK(score_one_by_one(m, &o, want) == 0);

    /* with it, attempt after attempt: each reference is encoded once, then reused */
    bertscore_refcache *c = bertscore_refcache_create((size_t)64 << 20, err, sizeof err);
    CHECK_MSG(c != NULL, "%s", err);
    o.ref_cache = c;
    CHECK(score_one_by_one(m, &o, got) == 0);
    CHECK_MSG(same(want, got, NPAIR), "one pair per call: scores with the cache differ from those without it");
    bertscore_refcache_stats st = stats(c);
    CHECK_INT(st.misses, NREF);
    CHECK_INT(st.hits, NPAIR - NREF);
    CHECK_INT(st.entries, NREF);
    CHECK_INT(st.evictions, 0);

    /* all pairs in one call (each reference 4 times in it: one lookup per distinct text), warm,
     * with chunks of 3 pairs so a reference's copies land in different chunks */
    o.batch_size = 3;
    CHECK(bertscore_score(m, cands, refs, NPAIR, &o, got, err, sizeof err) == 0);
    CHECK_MSG(same(want, got, NPAIR), "one warm call, batch 3: scores differ");
    CHECK_INT(stats(c).hits - st.hits, NREF);
    CHECK_INT(stats(c).misses - st.misses, 0);
    bertscore_refcache_destroy(c);

    /* the same in one cold call: nothing is reused inside it, every reference is stored */
    c = bertscore_refcache_create((size_t)64 << 20, err, sizeof err);
    o.ref_cache = c;
    o.batch_size = 64;
    CHECK(c && bertscore_score(m, cands, refs, NPAIR, &o, got, err, sizeof err) == 0);
    CHECK_MSG(same(want, got, NPAIR), "one cold call: scores differ");
    CHECK_INT(stats(c).misses, NREF);
    CHECK_INT(stats(c).entries, NREF);

    /* the layer is part of the key: another layer misses and scores like the uncached path */
    o.layer = 4;
    o.ref_cache = NULL;
    CHECK(score_one_by_one(m, &o, other) == 0);
    o.ref_cache = c;
    uint64_t misses = stats(c).misses;
    CHECK(bertscore_score(m, cands, refs, NREF, &o, got, err, sizeof err) == 0);
    CHECK_INT(stats(c).misses - misses, NREF);
    CHECK_MSG(same(other, got, NREF), "layer 4 with a cache filled at layer 6: scores differ");
    CHECK_MSG(!same(want, got, NREF), "layer 4 scored like layer 6: the layer is not part of the key");
    o.layer = bertscore_model_layers(m);

    /* so is the model: a second load of the same files is another model */
    bertscore_model *m2 = bertscore_model_load(check_model_dir(), err, sizeof err);
    CHECK_MSG(m2 != NULL, "%s", err);
    if (m2) {
        misses = stats(c).misses;
        CHECK(bertscore_score(m2, cands, refs, NREF, &o, got, err, sizeof err) == 0);
        CHECK_INT(stats(c).misses - misses, NREF);
        CHECK_MSG(same(want, got, NREF), "second model: scores differ");
        bertscore_model_free(m2);
    }

    /* idf over the references of the call uses the cached ids: same scores */
    o.idf = 1;
    o.ref_cache = NULL;
    CHECK(bertscore_score(m, cands, refs, NPAIR, &o, other, err, sizeof err) == 0);
    o.ref_cache = c;
    CHECK(bertscore_score(m, cands, refs, NPAIR, &o, got, err, sizeof err) == 0);
    CHECK_MSG(same(other, got, NPAIR), "idf with the cache: scores differ");
    o.idf = 0;
    bertscore_refcache_destroy(c);

    /* the bound: room for about two references; older ones are evicted, bytes stay under it */
    const size_t bound = (size_t)2 * 160 * bertscore_model_hidden(m) * sizeof(float);
    c = bertscore_refcache_create(bound, err, sizeof err);
    o.ref_cache = c;
    CHECK(c && score_one_by_one(m, &o, got) == 0);
    CHECK_MSG(same(want, got, NPAIR), "small cache: scores differ");
    st = stats(c);
    CHECK_MSG(st.evictions > 0 && st.bytes <= bound && st.entries >= 1 && st.entries < NREF,
              "small cache: %llu evictions, %zu bytes (bound %zu), %zu entries", (unsigned long long)st.evictions,
              st.bytes, bound, st.entries);
    CHECK_MSG(st.misses > NREF, "small cache: evicted references are encoded again (%llu misses)",
              (unsigned long long)st.misses);
    bertscore_refcache_destroy(c);

    /* an entry larger than the bound is never stored */
    c = bertscore_refcache_create(1, err, sizeof err);
    o.ref_cache = c;
    CHECK(c && score_one_by_one(m, &o, got) == 0);
    CHECK_MSG(same(want, got, NPAIR), "1-byte cache: scores differ");
    CHECK_INT(stats(c).entries, 0);
    CHECK_INT(stats(c).misses, NPAIR);
    bertscore_refcache_destroy(c);

    CHECK(bertscore_refcache_create(0, err, sizeof err) == NULL);
    bertscore_model_free(m);
    json_decref(texts);
    return CHECK_DONE();
}
