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
    public int lastRetryCount;
    /** A final message (validated or failed) was emitted; later copies are duplicates. */
    public boolean done;

    public BestAttempt() { }

    /** Remembers s when it is the first or beats the best so far (ties keep the earlier attempt). */
    public void offer(Scored s) {
        if (bestResponse == null || s.score > bestScore) {
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
