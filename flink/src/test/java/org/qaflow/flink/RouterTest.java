// RouterTest: routing and keyed state of the ScoreJob through Flink's keyed operator test harness.
package org.qaflow.flink;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterTest {
    static final double THRESHOLD = 0.75;
    static final String CREATED = "2025-10-28T10:30:00.000Z";
    static final long NOW = Codec.parseTime("2025-10-28T10:30:10.000Z");

    static KeyedOneInputStreamOperatorTestHarness<String, Scored, OutRecord> harness(int cap) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Scored, OutRecord> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new Router(THRESHOLD, cap, Duration.ofHours(1)), s -> s.attempt.questionId, Types.STRING);
        h.setProcessingTime(NOW);
        return h;
    }

    static Scored attempt(String qid, int retry, String answer, double score) {
        return attempt(qid, 1, retry, answer, score);
    }

    static Scored attempt(String qid, int run, int retry, String answer, double score) {
        Attempt a = new Attempt();
        a.run = run;
        a.questionId = qid;
        a.questionText = "What is the capital of France? " + qid;
        a.llmResponse = answer;
        a.originalAnswer = "Paris is the capital and most populous city of France.";
        a.retryCount = retry;
        a.responseTimeMs = 100L;
        a.timestamp = "2025-10-28T10:30:0" + (retry + 1) + ".000Z";
        a.errorRetries = 0;
        a.createdAt = CREATED;
        a.llmStartedAt = "2025-10-28T10:30:0" + retry + ".500Z";
        a.llmFinishedAt = "2025-10-28T10:30:0" + (retry + 1) + ".000Z";
        a.model = "tinyllama";
        return Scored.scored(a, score, "2025-10-28T10:30:0" + (retry + 1) + ".100Z");
    }

    static Map<String, Object> decode(OutRecord r) throws Exception {
        return Codec.decode(r.topic, r.value, true);
    }

    static List<OutRecord> out(KeyedOneInputStreamOperatorTestHarness<String, Scored, OutRecord> h) {
        return h.extractOutputValues();
    }

    @Test
    void goodAnswerPassesAtOnce() throws Exception {
        try (var h = harness(3)) {
            h.processElement(attempt("q1", 0, "Paris.", 0.91), NOW);
            List<OutRecord> o = out(h);
            assertEquals(1, o.size(), o.toString());
            assertEquals(Codec.VALIDATED, o.get(0).topic);
            assertEquals("q1", o.get(0).key);
            Map<String, Object> v = decode(o.get(0));
            assertEquals(0.91, (Double) v.get("bert_score"), 1e-12);
            assertEquals(0.91, (Double) v.get("first_score"), 1e-12);
            assertEquals(1L, v.get("processing_attempts"));
            assertEquals(false, v.get("accepted_below_threshold"));
            assertEquals(10000L, v.get("total_processing_time_ms"));
            assertEquals("Paris.", v.get("llm_response"));
            assertEquals(CREATED, v.get("created_at"));
            assertEquals("2025-10-28T10:30:01.100Z", v.get("scored_at"));
            assertEquals("2025-10-28T10:30:00.500Z", v.get("llm_started_at"));
        }
    }

    @Test
    void scoreExactlyAtThresholdIsAccepted() throws Exception {
        try (var h = harness(3)) {
            h.processElement(attempt("q1", 0, "Paris.", THRESHOLD), NOW);
            assertEquals(List.of(Codec.VALIDATED), out(h).stream().map(r -> r.topic).toList());
        }
    }

    @Test
    void poorThenBetterIsRegeneratedThenAccepted() throws Exception {
        try (var h = harness(3)) {
            h.processElement(attempt("q2", 0, "I like trains.", 0.41), NOW);
            List<OutRecord> o = out(h);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING), o.stream().map(r -> r.topic).toList());
            Map<String, Object> lq = decode(o.get(0));
            assertEquals(0.41, (Double) lq.get("bert_score"), 1e-12);
            assertEquals(0L, lq.get("retry_count"));
            assertEquals(THRESHOLD, (Double) lq.get("threshold"), 1e-12);
            Map<String, Object> p = decode(o.get(1));
            assertEquals(1L, p.get("retry_count"));
            assertEquals(0L, p.get("error_retries"));
            assertEquals(CREATED, p.get("created_at"));
            assertEquals("What is the capital of France? q2", p.get("question_text"));
            assertEquals("Paris is the capital and most populous city of France.", p.get("original_answer"));

            h.processElement(attempt("q2", 1, "The capital of France is Paris.", 0.88), NOW);
            o = out(h);
            assertEquals(3, o.size());
            Map<String, Object> v = decode(o.get(2));
            assertEquals(Codec.VALIDATED, o.get(2).topic);
            assertEquals(0.88, (Double) v.get("bert_score"), 1e-12);
            assertEquals(0.41, (Double) v.get("first_score"), 1e-12);
            assertEquals(2L, v.get("processing_attempts"));
            assertEquals(false, v.get("accepted_below_threshold"));
            assertEquals("The capital of France is Paris.", v.get("llm_response"));
        }
    }

    @Test
    void threePoorAnswersEndWithTheBestAcceptedAndMarked() throws Exception {
        try (var h = harness(2)) {
            h.processElement(attempt("q3", 0, "first", 0.50), NOW);
            h.processElement(attempt("q3", 1, "second, the best", 0.62), NOW);
            h.processElement(attempt("q3", 2, "third", 0.55), NOW);
            List<OutRecord> o = out(h);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING, Codec.LOW_QUALITY, Codec.PENDING,
                    Codec.LOW_QUALITY, Codec.VALIDATED), o.stream().map(r -> r.topic).toList());
            assertEquals(2L, decode(o.get(3)).get("retry_count"));
            Map<String, Object> v = decode(o.get(5));
            assertEquals(true, v.get("accepted_below_threshold"));
            assertEquals("second, the best", v.get("llm_response"));
            assertEquals(0.62, (Double) v.get("bert_score"), 1e-12);
            assertEquals(0.50, (Double) v.get("first_score"), 1e-12);
            assertEquals(3L, v.get("processing_attempts"));
            assertEquals("2025-10-28T10:30:01.500Z", v.get("llm_started_at"));
            assertEquals("2025-10-28T10:30:02.100Z", v.get("scored_at"));
        }
    }

    @Test
    void defaultCapAllowsThreeRegenerations() throws Exception {
        try (var h = harness(3)) {
            double[] scores = {0.3, 0.2, 0.6, 0.4};
            for (int i = 0; i < scores.length; i++) {
                h.processElement(attempt("q4", i, "answer " + i, scores[i]), NOW);
            }
            List<OutRecord> o = out(h);
            assertEquals(3, o.stream().filter(r -> r.topic.equals(Codec.PENDING)).count());
            assertEquals(4, o.stream().filter(r -> r.topic.equals(Codec.LOW_QUALITY)).count());
            OutRecord last = o.get(o.size() - 1);
            assertEquals(Codec.VALIDATED, last.topic);
            Map<String, Object> v = decode(last);
            assertEquals("answer 2", v.get("llm_response"));
            assertEquals(4L, v.get("processing_attempts"));
        }
    }

    @Test
    void duplicatesAndLateCopiesAreDropped() throws Exception {
        try (var h = harness(3)) {
            h.processElement(attempt("q5", 0, "poor", 0.2), NOW);
            h.processElement(attempt("q5", 0, "poor again (duplicate regeneration)", 0.3), NOW);
            assertEquals(2, out(h).size());
            h.processElement(attempt("q5", 1, "good", 0.9), NOW);
            h.processElement(attempt("q5", 1, "good copy", 0.9), NOW);
            h.processElement(attempt("q5", 2, "late", 0.95), NOW);
            List<OutRecord> o = out(h);
            assertEquals(3, o.size(), o.toString());
            assertEquals(1, o.stream().filter(r -> r.topic.equals(Codec.VALIDATED)).count());
        }
    }

    @Test
    void questionsDoNotShareState() throws Exception {
        try (var h = harness(1)) {
            h.processElement(attempt("a", 0, "a0", 0.7), NOW);
            h.processElement(attempt("b", 0, "b0", 0.1), NOW);
            h.processElement(attempt("b", 1, "b1", 0.2), NOW);
            h.processElement(attempt("a", 1, "a1", 0.6), NOW);
            List<OutRecord> v = out(h).stream().filter(r -> r.topic.equals(Codec.VALIDATED)).toList();
            assertEquals(2, v.size());
            assertEquals("b1", decode(v.get(0)).get("llm_response"));
            assertEquals("a0", decode(v.get(1)).get("llm_response"));
        }
    }

    @Test
    void stateSurvivesSnapshotAndRestore() throws Exception {
        OperatorSubtaskState snap;
        try (var h = harness(2)) {
            h.processElement(attempt("q6", 0, "best so far", 0.6), NOW);
            h.processElement(attempt("q6", 1, "worse", 0.4), NOW);
            snap = h.snapshot(1L, NOW);
        }
        var h2 = new KeyedOneInputStreamOperatorTestHarness<String, Scored, OutRecord>(
                new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(
                        new Router(THRESHOLD, 2, Duration.ofHours(1))),
                s -> s.attempt.questionId, Types.STRING);
        try (h2) {
            h2.setup();
            h2.initializeState(snap);
            h2.open();
            h2.setProcessingTime(NOW);
            h2.processElement(attempt("q6", 1, "replayed duplicate", 0.99), NOW);
            assertTrue(h2.extractOutputValues().isEmpty(), "a replayed attempt must be dropped after restore");
            h2.processElement(attempt("q6", 2, "third", 0.5), NOW);
            List<OutRecord> o = h2.extractOutputValues();
            OutRecord last = o.get(o.size() - 1);
            assertEquals(Codec.VALIDATED, last.topic);
            Map<String, Object> v = decode(last);
            assertEquals("best so far", v.get("llm_response"));
            assertEquals(0.6, (Double) v.get("first_score"), 1e-12);
            assertEquals(true, v.get("accepted_below_threshold"));
        }
    }

    @Test
    void rejectedPairFailsTheQuestionWithoutAScore() throws Exception {
        try (var h = harness(3)) {
            Scored s = Scored.rejected(attempt("q7", 0, "x", 0).attempt, "HTTP 400 candidate too long");
            h.processElement(s, NOW);
            List<OutRecord> o = out(h);
            assertEquals(1, o.size());
            assertEquals(Codec.FAILED, o.get(0).topic);
            Map<String, Object> f = decode(o.get(0));
            assertEquals("score", f.get("stage"));
            assertTrue(((String) f.get("reason")).contains("candidate too long"));
            assertFalse(o.get(0).value.contains("bert_score"));
        }
    }

    @Test
    void timedOutPairIsRequeuedUnchangedAndStateUntouched() throws Exception {
        try (var h = harness(3)) {
            Attempt a = attempt("q8", 0, "Paris.", 0).attempt;
            h.processElement(Scored.requeue(a), NOW);
            List<OutRecord> o = out(h);
            assertEquals(1, o.size());
            assertEquals(Codec.SUCCESS, o.get(0).topic);
            assertEquals(a.toJson(), o.get(0).value);
            h.processElement(attempt("q8", 0, "Paris.", 0.8), NOW);
            assertEquals(Codec.VALIDATED, out(h).get(1).topic);
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Scored, OutRecord> restored(int cap, OperatorSubtaskState snap)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Scored, OutRecord>(
                new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(
                        new Router(THRESHOLD, cap, Duration.ofHours(1))),
                s -> s.attempt.questionId, Types.STRING);
        h.setup();
        if (snap != null) {
            h.initializeState(snap);
        }
        h.open();
        h.setProcessingTime(NOW);
        return h;
    }

    @Test
    void everyOutputCarriesTheRun() throws Exception {
        try (var h = harness(1)) {
            h.processElement(attempt("r", 4, 0, "poor", 0.2), NOW);
            h.processElement(attempt("r", 4, 1, "poor too", 0.1), NOW);
            h.processElement(Scored.rejected(attempt("s", 6, 0, "x", 0).attempt, "HTTP 400"), NOW);
            h.processElement(Scored.requeue(attempt("t", 9, 0, "x", 0).attempt), NOW);
            List<OutRecord> o = out(h);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING, Codec.LOW_QUALITY, Codec.VALIDATED, Codec.FAILED,
                    Codec.SUCCESS), o.stream().map(r -> r.topic).toList());
            List<Long> runs = new java.util.ArrayList<>();
            for (OutRecord r : o) {
                runs.add((Long) decode(r).get("run"));
            }
            assertEquals(List.of(4L, 4L, 4L, 4L, 6L, 9L), runs);
        }
    }

    /** A question failed at the scorer in run 1 and asked again: run 2 starts fresh; run 1's late copies drop. */
    @Test
    void aNewerRunStartsFreshAndAnOlderRunIsDropped() throws Exception {
        try (var h = harness(3)) {
            h.processElement(attempt("q9", 1, 0, "poor", 0.3), NOW);
            h.processElement(Scored.rejected(attempt("q9", 1, 1, "rejected", 0).attempt, "HTTP 400"), NOW);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING, Codec.FAILED), out(h).stream().map(r -> r.topic).toList());
            h.processElement(attempt("q9", 2, 0, "poor again", 0.4), NOW);
            h.processElement(attempt("q9", 1, 2, "late attempt of run 1", 0.99), NOW);
            h.processElement(attempt("q9", 2, 1, "good", 0.8), NOW);
            List<OutRecord> o = out(h);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING, Codec.FAILED, Codec.LOW_QUALITY, Codec.PENDING,
                    Codec.VALIDATED), o.stream().map(r -> r.topic).toList());
            Map<String, Object> v = decode(o.get(5));
            assertEquals(2L, v.get("run"));
            assertEquals("good", v.get("llm_response"));
            assertEquals(0.4, (Double) v.get("first_score"), 1e-12);
            assertEquals(2L, v.get("processing_attempts"));
            assertEquals(2L, decode(o.get(4)).get("run"));
            assertEquals(1L, decode(o.get(4)).get("retry_count"));
            // a completed run 2 drops its own copies, and a run 3 starts fresh again
            h.processElement(attempt("q9", 2, 1, "copy", 0.9), NOW);
            assertEquals(6, out(h).size());
            h.processElement(attempt("q9", 3, 0, "third run", 0.95), NOW);
            Map<String, Object> v3 = decode(out(h).get(6));
            assertEquals(3L, v3.get("run"));
            assertEquals(0.95, (Double) v3.get("first_score"), 1e-12);
        }
    }

    /**
     * Scores 0.7 and 0.3, then the state is lost (a start without the checkpoint), then 0.3 and 0.31: the job
     * reports only what it saw and leaves first_score out rather than invent it (storage corrects the result to
     * 0.7 best and 0.7 first from the run's attempts; see tests/integration/storage/06_runs.sh).
     */
    @Test
    void stateLostMidRunReportsWhatItSawAndNoFirstScore() throws Exception {
        try (var h = harness(3)) {
            h.processElement(attempt("q10", 0, "the best", 0.7), NOW);
            h.processElement(attempt("q10", 1, "poor", 0.3), NOW);
            assertEquals(0.7, (Double) decode(out(h).get(0)).get("bert_score"), 1e-12);
        }
        try (var h2 = restored(3, null)) {
            h2.processElement(attempt("q10", 2, "poor again", 0.3), NOW);
            h2.processElement(attempt("q10", 3, "a bit better", 0.31), NOW);
            List<OutRecord> o = h2.extractOutputValues();
            OutRecord last = o.get(o.size() - 1);
            assertEquals(Codec.VALIDATED, last.topic);
            Map<String, Object> v = decode(last);
            assertFalse(v.containsKey("first_score"), "first_score is not known after the state loss: " + v);
            assertEquals(0.31, (Double) v.get("bert_score"), 1e-12);
            assertEquals(4L, v.get("processing_attempts"));
            assertEquals(true, v.get("accepted_below_threshold"));
            assertEquals(2L, o.stream().filter(r -> r.topic.equals(Codec.LOW_QUALITY)).count());
        }
    }

    @Test
    void stateOfTheCurrentRunSurvivesRestore() throws Exception {
        OperatorSubtaskState snap;
        try (var h = harness(2)) {
            h.processElement(attempt("q11", 2, 0, "run 2 first", 0.6), NOW);
            snap = h.snapshot(1L, NOW);
        }
        try (var h2 = restored(2, snap)) {
            h2.processElement(attempt("q11", 1, 1, "run 1, stale", 0.9), NOW);
            assertTrue(h2.extractOutputValues().isEmpty(), "an older run's attempt must be dropped after restore");
            h2.processElement(attempt("q11", 2, 1, "run 2 second", 0.9), NOW);
            Map<String, Object> v = decode(h2.extractOutputValues().get(0));
            assertEquals(0.6, (Double) v.get("first_score"), 1e-12);
            assertEquals(2L, v.get("run"));
        }
    }

    @Test
    void noCreatedAtMeansNoEndToEndTimeRatherThanAGuess() throws Exception {
        try (var h = harness(3)) {
            Scored s = attempt("q12", 0, "Paris.", 0.9);
            s.attempt.createdAt = null;
            h.processElement(s, NOW);
            Map<String, Object> v = decode(out(h).get(0));
            assertFalse(v.containsKey("created_at"), v.toString());
            assertEquals(0L, v.get("total_processing_time_ms"));
        }
    }

    static List<String> topics(List<OutRecord> o) {
        return o.stream().map(r -> r.topic).toList();
    }

    /**
     * A restore re-scores attempt 0 (it was in the Async I/O state) after attempt 1, produced before the crash, was
     * read again from Kafka: both are recorded, one low-quality each, the best is chosen among all three attempts
     * with attempt 0's first_score, and attempt 0 regenerates nothing (attempt 2 exists already).
     */
    @Test
    void anOlderAttemptAfterItsSuccessorIsRecordedNotRegenerated() throws Exception {
        OperatorSubtaskState snap;
        try (var h = harness(2)) {
            h.processElement(attempt("other", 0, "unrelated", 0.9), NOW);
            snap = h.snapshot(1L, NOW);
        }
        try (var h2 = restored(2, snap)) {
            h2.processElement(attempt("q13", 1, "second", 0.3), NOW);
            h2.processElement(attempt("q13", 0, "first, the best", 0.6), NOW);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING, Codec.LOW_QUALITY),
                    topics(h2.extractOutputValues()));
            h2.processElement(attempt("q13", 0, "first again (true duplicate)", 0.6), NOW);
            h2.processElement(attempt("q13", 1, "second again (true duplicate)", 0.3), NOW);
            assertEquals(3, h2.extractOutputValues().size(), "a retry count already seen must be dropped");
            h2.processElement(attempt("q13", 2, "third", 0.4), NOW);
            List<OutRecord> o = h2.extractOutputValues();
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.PENDING, Codec.LOW_QUALITY, Codec.LOW_QUALITY,
                    Codec.VALIDATED), topics(o));
            List<Long> lq = new java.util.ArrayList<>();
            for (OutRecord r : o) {
                if (r.topic.equals(Codec.LOW_QUALITY)) {
                    lq.add((Long) decode(r).get("retry_count"));
                }
            }
            assertEquals(List.of(1L, 0L, 2L), lq);
            assertEquals(2L, decode(o.get(1)).get("retry_count"));
            Map<String, Object> v = decode(o.get(4));
            assertEquals("first, the best", v.get("llm_response"));
            assertEquals(0.6, (Double) v.get("bert_score"), 1e-12);
            assertEquals(0.6, (Double) v.get("first_score"), 1e-12);
            assertEquals(3L, v.get("processing_attempts"));
            assertEquals(true, v.get("accepted_below_threshold"));
        }
    }

    /**
     * The run already ended (cap 1, attempt 1 seen first) when attempt 0 arrives: its low-quality message is still
     * emitted, so storage records it and corrects the result (best 0.6, first_score 0.6); nothing else. A late
     * attempt at or above the threshold gives a validated message of its own attempt number.
     */
    @Test
    void aLateAttemptAfterTheFinalMessageIsStillRecorded() throws Exception {
        try (var h = harness(1)) {
            h.processElement(attempt("q14", 1, "second", 0.3), NOW);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.VALIDATED), topics(out(h)));
            assertFalse(decode(out(h).get(1)).containsKey("first_score"));
            h.processElement(attempt("q14", 0, "first, the best", 0.6), NOW);
            h.processElement(attempt("q14", 0, "first again", 0.6), NOW);
            List<OutRecord> o = out(h);
            assertEquals(List.of(Codec.LOW_QUALITY, Codec.VALIDATED, Codec.LOW_QUALITY), topics(o));
            Map<String, Object> lq = decode(o.get(2));
            assertEquals(0L, lq.get("retry_count"));
            assertEquals(0.6, (Double) lq.get("bert_score"), 1e-12);
            assertEquals("first, the best", lq.get("llm_response"));

            h.processElement(attempt("q15", 1, "good", 0.8), NOW);
            h.processElement(attempt("q15", 0, "better, late", 0.9), NOW);
            List<OutRecord> v = out(h).subList(3, out(h).size());
            assertEquals(List.of(Codec.VALIDATED, Codec.VALIDATED), topics(v));
            Map<String, Object> lateV = decode(v.get(1));
            assertEquals(1L, lateV.get("processing_attempts"));
            assertEquals(0.9, (Double) lateV.get("bert_score"), 1e-12);
            assertEquals(false, lateV.get("accepted_below_threshold"));
        }
    }

    /** Retry counts beyond 63 fall back to "not newer than the last one seen"; state from before the bit set reads so. */
    @Test
    void retryCountsBeyondTheBitSetAndOlderStateFallBackToTheLastSeen() {
        BestAttempt b = new BestAttempt();
        b.markSeen(70);
        b.markSeen(3);
        assertTrue(b.seen(3) && b.seen(65) && b.seen(70));
        assertFalse(b.seen(2) || b.seen(71) || b.seen(63));
        assertEquals(70, b.lastRetryCount);
        BestAttempt old = new BestAttempt();
        old.lastRetryCount = 2;
        old.attemptsSeen = 3;
        old.upgradeLegacy();
        assertTrue(old.seen(0) && old.seen(1) && old.seen(2));
        assertFalse(old.seen(3));
        old.lastRetryCount = 80;
        old.seenRetries = 0;
        old.upgradeLegacy();
        assertTrue(old.seen(0) && old.seen(63) && old.seen(80));
        assertFalse(old.seen(81));
        // a POJO for Flink (not a Kryo generic type): its serializer restores older state with the new field at 0
        assertTrue(org.apache.flink.api.common.typeinfo.TypeInformation.of(BestAttempt.class)
                instanceof org.apache.flink.api.java.typeutils.PojoTypeInfo);
    }
}
