// Outputs: builds the messages the job emits (validated, low-quality, pending, failed) from attempts and state.
package org.qaflow.flink;

import java.util.LinkedHashMap;
import java.util.Map;

/** Message builders; nowMs is passed in so tests control the clock. */
public final class Outputs {
    private Outputs() { }

    /** validated-responses for an attempt accepted at or above the threshold. */
    public static OutRecord validated(Scored s, BestAttempt st, long nowMs) {
        Attempt a = s.attempt;
        return validatedRecord(a, a.llmResponse, s.score, false, st.firstMissing ? null : st.firstScore,
                a.llmStartedAt, a.llmFinishedAt, s.scoredAt, a.model, nowMs);
    }

    /** validated-responses carrying the best attempt once the regeneration cap is reached. */
    public static OutRecord validatedBest(Scored last, BestAttempt st, long nowMs) {
        return validatedRecord(last.attempt, st.bestResponse, st.bestScore, true,
                st.firstMissing ? null : st.firstScore,
                st.bestLlmStartedAt, st.bestLlmFinishedAt, st.bestScoredAt, st.bestModel, nowMs);
    }

    /**
     * One validated-responses message: question fields from the last attempt a, answer fields as given.
     * firstScore null: not known (omitted). Without created_at the end-to-end time is not known: created_at is
     * omitted and total_processing_time_ms is 0 (storage records it as unknown).
     */
    private static OutRecord validatedRecord(Attempt a, String response, double score, boolean belowThreshold,
                                             Double firstScore, String llmStartedAt, String llmFinishedAt,
                                             String scoredAt, String model, long nowMs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question_id", a.questionId);
        m.put("question_text", a.questionText);
        m.put("llm_response", response);
        m.put("original_answer", a.originalAnswer);
        m.put("bert_score", score);
        m.put("processing_attempts", (long) a.retryCount + 1);
        m.put("total_processing_time_ms", elapsed(a, nowMs));
        m.put("timestamp", Codec.isoTime(nowMs));
        m.put("accepted_below_threshold", belowThreshold);
        m.put("first_score", firstScore);
        m.put("created_at", a.createdAt);
        m.put("llm_started_at", llmStartedAt);
        m.put("llm_finished_at", llmFinishedAt);
        m.put("scored_at", scoredAt);
        m.put("model", model);
        m.put("run", (long) a.run);
        return new OutRecord(Codec.VALIDATED, a.questionId, Codec.encode(Codec.VALIDATED, m));
    }

    /** low-quality-responses: one scored attempt below the threshold. */
    public static OutRecord lowQuality(Scored s, double threshold, long nowMs) {
        Attempt a = s.attempt;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question_id", a.questionId);
        m.put("llm_response", a.llmResponse);
        m.put("bert_score", s.score);
        m.put("retry_count", (long) a.retryCount);
        m.put("threshold", threshold);
        m.put("timestamp", Codec.isoTime(nowMs));
        m.put("created_at", a.createdAt);
        m.put("llm_started_at", a.llmStartedAt);
        m.put("llm_finished_at", a.llmFinishedAt);
        m.put("scored_at", s.scoredAt);
        m.put("model", a.model);
        m.put("run", (long) a.run);
        return new OutRecord(Codec.LOW_QUALITY, a.questionId, Codec.encode(Codec.LOW_QUALITY, m));
    }

    /** questions-pending: the question again, for regeneration number retry_count + 1. */
    public static OutRecord regenerate(Attempt a, long nowMs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question_id", a.questionId);
        m.put("question_text", a.questionText);
        m.put("original_answer", a.originalAnswer);
        m.put("retry_count", (long) a.retryCount + 1);
        m.put("timestamp", Codec.isoTime(nowMs));
        m.put("error_retries", 0L);
        m.put("created_at", a.createdAt);
        m.put("run", (long) a.run);
        return new OutRecord(Codec.PENDING, a.questionId, Codec.encode(Codec.PENDING, m));
    }

    /** questions-failed at stage "score". */
    public static OutRecord failed(String questionId, long run, String reason, long retryCount, long errorRetries,
                                   String createdAt, long nowMs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question_id", questionId);
        m.put("reason", reason);
        m.put("stage", "score");
        m.put("retry_count", retryCount);
        m.put("error_retries", errorRetries);
        m.put("timestamp", Codec.isoTime(nowMs));
        m.put("created_at", createdAt);
        m.put("run", run);
        return new OutRecord(Codec.FAILED, questionId, Codec.encode(Codec.FAILED, m));
    }

    /** The attempt re-queued on llm-responses-success, unchanged. */
    public static OutRecord requeue(Attempt a) {
        return new OutRecord(Codec.SUCCESS, a.questionId, a.toJson());
    }

    private static long elapsed(Attempt a, long nowMs) {
        long origin = Codec.parseTime(a.createdAt);
        return origin < 0 ? 0L : Math.max(0L, nowMs - origin);
    }
}
