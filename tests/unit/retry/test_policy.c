/* test_policy.c -- overload: 1,2,4 s then dead letter; quota: Retry-After or fixed, 5 retries. */
#include "check.h"
#include "policy.h"

int main(void)
{
    char err[128];
    retry_policy p;
    retry_decision d;

    CHECK_INT(retry_policy_init(&p, "nope", err, sizeof err), -1);

    CHECK_INT(retry_policy_init(&p, "overload", err, sizeof err), 0);
    CHECK_INT(p.max_retries, 3);
    long long want[] = {1000, 2000, 4000};
    for (int n = 0; n < 3; n++) {
        retry_policy_decide(&p, n, -1, &d);
        CHECK_INT(d.forward, 1);
        CHECK_INT(d.delay_ms, want[n]);
    }
    retry_policy_decide(&p, 3, -1, &d);
    CHECK_INT(d.forward, 0);
    CHECK(strstr(d.reason, "3 retries") != NULL);
    retry_policy_decide(&p, 9, -1, &d);
    CHECK_INT(d.forward, 0);
    /* a longer Retry-After from the server wins over the backoff; a shorter one does not */
    retry_policy_decide(&p, 0, 5, &d);
    CHECK_INT(d.delay_ms, 5000);
    retry_policy_decide(&p, 2, 1, &d);
    CHECK_INT(d.delay_ms, 4000);

    CHECK_INT(retry_policy_init(&p, "quota", err, sizeof err), 0);
    CHECK_INT(p.max_retries, 5);
    CHECK_INT(p.fixed_delay_s, 60);
    p.fixed_delay_s = 2;
    for (int n = 0; n < 5; n++) {
        retry_policy_decide(&p, n, -1, &d);
        CHECK_INT(d.forward, 1);
        CHECK_INT(d.delay_ms, 2000);
        retry_policy_decide(&p, n, 7, &d);
        CHECK_INT(d.delay_ms, 7000);
    }
    retry_policy_decide(&p, 0, 0, &d);
    CHECK_INT(d.forward, 1);
    CHECK_INT(d.delay_ms, 0);
    retry_policy_decide(&p, 5, 7, &d);
    CHECK_INT(d.forward, 0);
    CHECK(strstr(d.reason, "quota") != NULL);

    /* every delay is capped: a Retry-After of a day waits max_delay_s (default 15 min), both policies */
    CHECK_INT(p.max_delay_s, RETRY_MAX_DELAY_S);
    retry_policy_decide(&p, 0, 86400, &d);
    CHECK_INT(d.delay_ms, (int64_t)RETRY_MAX_DELAY_S * 1000);
    p.max_delay_s = 30;
    p.fixed_delay_s = 60;
    retry_policy_decide(&p, 0, -1, &d);
    CHECK_INT(d.delay_ms, 30000);
    CHECK_INT(retry_policy_init(&p, "overload", err, sizeof err), 0);
    retry_policy_decide(&p, 2, 100000, &d);
    CHECK_INT(d.delay_ms, (int64_t)RETRY_MAX_DELAY_S * 1000);
    p.max_delay_s = 3;
    retry_policy_decide(&p, 2, -1, &d); /* 4 s of backoff, capped at 3 */
    CHECK_INT(d.delay_ms, 3000);
    return CHECK_DONE();
}
