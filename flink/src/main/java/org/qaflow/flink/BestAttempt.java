// BestAttempt: the keyed state of one question's current run (best attempt so far, first score, attempts seen).
package org.qaflow.flink;

/** Per-question memory of one run, kept in a ValueState with TTL; a newer run replaces it. */
public class BestAttempt {
    /** The run these attempts belong to (state written before runs existed restores as run 1). */
    public int run = 1;
    /** The run's first attempt was not seen (state lost mid-run): first_score is not known here. */
    public boolean firstMissing;
    public double bestScore;
    public String bestResponse;
    public int bestRetryCount;
    public String bestLlmStartedAt;
    public String bestLlmFinishedAt;
    public String bestScoredAt;
    public String bestModel;
    public double firstScore;
    public int attemptsSeen;
    /** The newest retry_count seen. */
    public int lastRetryCount;
    /**
     * Retry counts 0..63 of this run seen, one bit each; beyond 63 only lastRetryCount is known (a count above
     * 63 not newer than it counts as seen). State from before this field restores it as 0: see legacy().
     */
    public long seenRetries;
    /** A final message (validated or failed) was emitted; later copies are duplicates. */
    public boolean done;

    public BestAttempt() { }

    /**
     * State written before seenRetries existed restores it as 0 while having seen attempts: it is read as the old
     * rule (every retry count up to lastRetryCount seen). A state always marks the attempt that created it, so 0
     * means old state unless that attempt's count was above 63 (then the old rule is all that is known anyway).
     */
    public void upgradeLegacy() {
        if (seenRetries == 0) {
            int upTo = Math.min(lastRetryCount, 63);
            seenRetries = upTo == 63 ? -1L : (1L << (upTo + 1)) - 1;
        }
    }

    /** Whether this run's attempt with retry count r was already seen (a negative count is never valid: seen). */
    public boolean seen(int r) {
        if (r < 0) {
            return true;
        }
        return r < 64 ? (seenRetries & (1L << r)) != 0 : r <= lastRetryCount;
    }

    /** Records retry count r as seen; lastRetryCount stays the newest. */
    public void markSeen(int r) {
        if (r >= 0 && r < 64) {
            seenRetries |= 1L << r;
        }
        lastRetryCount = Math.max(lastRetryCount, r);
    }

    /** Remembers s when it is the first or beats the best so far (ties keep the earlier attempt, even one late). */
    public void offer(Scored s) {
        if (bestResponse == null || s.score > bestScore
                || (s.score == bestScore && s.attempt.retryCount < bestRetryCount)) {
            bestScore = s.score;
            bestResponse = s.attempt.llmResponse;
            bestRetryCount = s.attempt.retryCount;
            bestLlmStartedAt = s.attempt.llmStartedAt;
            bestLlmFinishedAt = s.attempt.llmFinishedAt;
            bestScoredAt = s.scoredAt;
            bestModel = s.attempt.model;
        }
    }
}
