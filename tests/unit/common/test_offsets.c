/* test_offsets.c -- the commit position only advances over fully handled offsets. */
#include <stdlib.h>

#include "check.h"
#include "offsets.h"

int main(void)
{
    offsets *o = offsets_create();
    CHECK(o != NULL);

    /* nothing tracked */
    CHECK_INT(offsets_done(o, 0, 5), -1);
    CHECK_INT(offsets_oldest(o, 0), -1);

    for (int64_t off = 10; off < 15; off++)
        CHECK_INT(offsets_track(o, 0, off), 0);
    CHECK_INT(offsets_track(o, 0, 14), -1); /* not increasing */
    CHECK_INT(offsets_track(o, 1, 3), 0);
    CHECK_INT(offsets_pending(o, 0), 5);
    CHECK_INT(offsets_pending(o, -1), 6);

    /* out-of-order completion: nothing committable until 10 is done */
    CHECK_INT(offsets_done(o, 0, 12), 0);
    CHECK_INT(offsets_done(o, 0, 11), 0);
    CHECK_INT(offsets_oldest(o, 0), 10);
    CHECK_INT(offsets_done(o, 0, 10), 13); /* 10,11,12 released: commit 13 */
    CHECK_INT(offsets_pending(o, 0), 2);
    CHECK_INT(offsets_done(o, 0, 10), -1); /* already released */
    CHECK_INT(offsets_done(o, 0, 99), -1); /* never tracked */
    CHECK_INT(offsets_done(o, 0, 14), 0);
    CHECK_INT(offsets_done(o, 0, 13), 15);
    CHECK_INT(offsets_pending(o, 0), 0);

    /* partitions are independent */
    CHECK_INT(offsets_done(o, 1, 3), 4);

    /* gaps in offsets (compaction, transaction markers) are fine */
    CHECK_INT(offsets_track(o, 2, 100), 0);
    CHECK_INT(offsets_track(o, 2, 105), 0);
    CHECK_INT(offsets_done(o, 2, 105), 0);
    CHECK_INT(offsets_done(o, 2, 100), 106);

    /* a dropped partition forgets its offsets; tracking restarts cleanly */
    CHECK_INT(offsets_track(o, 1, 7), 0);
    offsets_drop_partition(o, 1);
    CHECK_INT(offsets_done(o, 1, 7), -1);
    CHECK_INT(offsets_pending(o, 1), 0);
    CHECK_INT(offsets_track(o, 1, 2), 0); /* re-assigned and re-read from an older offset */
    CHECK_INT(offsets_done(o, 1, 2), 3);

    /* a give-back (seek to 21) forgets 21 and later, keeps 20; 21 can be tracked again */
    CHECK_INT(offsets_track(o, 4, 20), 0);
    CHECK_INT(offsets_track(o, 4, 21), 0);
    CHECK_INT(offsets_track(o, 4, 22), 0);
    offsets_rewind(o, 4, 21);
    CHECK_INT(offsets_pending(o, 4), 1);
    CHECK_INT(offsets_done(o, 4, 22), -1);
    CHECK_INT(offsets_track(o, 4, 21), 0);
    CHECK_INT(offsets_done(o, 4, 21), 0);
    CHECK_INT(offsets_done(o, 4, 20), 22);
    offsets_rewind(o, 9, 5); /* an unknown partition: nothing */

    /* ring growth with a random completion order: the commit position is always one past
     * the longest done prefix */
    srand(7);
    enum { N = 5000 };
    static int done[N];
    int64_t base = 1000;
    for (int i = 0; i < N; i++)
        CHECK_INT(offsets_track(o, 3, base + i), 0);
    int perm[N];
    for (int i = 0; i < N; i++)
        perm[i] = i;
    for (int i = N - 1; i > 0; i--) {
        int j = rand() % (i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    int prefix = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        done[perm[i]] = 1;
        int old = prefix;
        while (prefix < N && done[prefix])
            prefix++;
        int64_t r = offsets_done(o, 3, base + perm[i]);
        int64_t want = prefix > old ? base + prefix : 0;
        if (r != want)
            bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(offsets_pending(o, 3), 0);
    offsets_destroy(o);
    return CHECK_DONE();
}
