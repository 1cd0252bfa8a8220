// BestAttempt: the keyed state of one question (best attempt so far, first score, attempts seen).
package org.qaflow.flink;

/** Per-question memory kept in a ValueState with TTL. */
public class BestAttempt {
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
