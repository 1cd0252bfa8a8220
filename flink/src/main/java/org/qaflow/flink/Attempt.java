// Attempt: one llm-responses-success message (one LLM answer to one question) as a Flink POJO.
package org.qaflow.flink;

import java.util.LinkedHashMap;
import java.util.Map;

/** An LLM answer waiting to be scored; public fields so Flink serialises it as a POJO. */
public class Attempt {
    public String questionId;
    public String questionText;
    public String llmResponse;
    public String originalAnswer;
    public int retryCount;
    public Long responseTimeMs;
    public String timestamp;
    public Integer errorRetries;
    public String createdAt;
    public String llmStartedAt;
    public String llmFinishedAt;
    public String model;
    /** The question's run (docs/messages.md): 1 for the first ask, +1 each time storage starts it again. */
    public int run = 1;

    public Attempt() { }

    /** Decodes an llm-responses-success message, with the contract's checks (the same as the C codec's). */
    public static Attempt fromJson(String json) throws CodecException {
        Map<String, Object> m = Codec.decode(Codec.SUCCESS, json, true);
        Attempt a = new Attempt();
        a.questionId = (String) m.get("question_id");
        a.questionText = (String) m.get("question_text");
        a.llmResponse = (String) m.get("llm_response");
        a.originalAnswer = (String) m.get("original_answer");
        a.retryCount = ((Long) m.get("retry_count")).intValue();
        a.responseTimeMs = (Long) m.get("response_time_ms");
        a.timestamp = (String) m.get("timestamp");
        Long er = (Long) m.get("error_retries");
        a.errorRetries = er == null ? null : er.intValue();
        a.createdAt = (String) m.get("created_at");
        a.llmStartedAt = (String) m.get("llm_started_at");
        a.llmFinishedAt = (String) m.get("llm_finished_at");
        a.model = (String) m.get("model");
        a.run = ((Long) m.get("run")).intValue();
        return a;
    }

    /** Encodes back to an llm-responses-success message (used when a pair is re-queued). */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question_id", questionId);
        m.put("question_text", questionText);
        m.put("llm_response", llmResponse);
        m.put("original_answer", originalAnswer);
        m.put("retry_count", (long) retryCount);
        m.put("response_time_ms", responseTimeMs);
        m.put("timestamp", timestamp);
        m.put("error_retries", errorRetries == null ? null : errorRetries.longValue());
        m.put("created_at", createdAt);
        m.put("llm_started_at", llmStartedAt);
        m.put("llm_finished_at", llmFinishedAt);
        m.put("model", model);
        m.put("run", (long) run);
        return Codec.encode(Codec.SUCCESS, m);
    }

}
