// CodecTest: the job's codec against the shared fixture files in tests/fixtures/messages/.
package org.qaflow.flink;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodecTest {
    static final Path FIXTURES = Path.of("..", "tests", "fixtures", "messages");
    static final ObjectMapper M = new ObjectMapper();
    static final String[] TOPICS = {Codec.PENDING, Codec.SUCCESS, Codec.ERROR_OVERLOAD, Codec.ERROR_QUOTA,
        Codec.VALIDATED, Codec.LOW_QUALITY, Codec.FAILED};

    static String fixture(String topic) throws Exception {
        return Files.readString(FIXTURES.resolve(topic + ".json"));
    }

    static List<String> names(JsonNode n) {
        List<String> l = new ArrayList<>();
        n.fieldNames().forEachRemaining(l::add);
        return l;
    }

    @Test
    void everyFixtureRoundTripsWithSameFieldsAndOrder() throws Exception {
        for (String topic : TOPICS) {
            String text = fixture(topic);
            Map<String, Object> m = Codec.decode(topic, text, true);
            String again = Codec.encode(topic, m);
            JsonNode want = M.readTree(text);
            JsonNode got = M.readTree(again);
            assertEquals(want, got, topic + " round trip changed the message");
            assertEquals(names(want), names(got), topic + " field order");
            assertEquals(names(want).size(), m.size(), topic + ": a fixture field is unknown to the codec");
        }
    }

    @Test
    void everyFixtureFieldIsInTheSpecAndTheSeedFieldsComeFirst() throws Exception {
        for (String topic : TOPICS) {
            List<String> fixtureFields = names(M.readTree(fixture(topic)));
            List<String> spec = Codec.spec(topic).stream().map(Codec.Field::name).toList();
            for (String f : fixtureFields) {
                assertTrue(spec.contains(f), topic + ": fixture field " + f + " missing from the codec");
            }
            boolean seenOptional = false;
            for (Codec.Field f : Codec.spec(topic)) {
                if (!f.required()) {
                    seenOptional = true;
                }
                assertTrue(!f.required() || !seenOptional, topic + ": seed field " + f.name() + " after additions");
            }
        }
    }

    @Test
    void attemptRoundTripsTheSuccessFixture() throws Exception {
        String text = fixture(Codec.SUCCESS);
        Attempt a = Attempt.fromJson(text);
        assertEquals("q_5f2b9c0e1a7d4e3b", a.questionId);
        assertEquals(0, a.retryCount);
        assertEquals("tinyllama", a.model);
        assertEquals(M.readTree(text), M.readTree(a.toJson()));
    }

    @Test
    void renamedOrMistypedFieldsAreRejected() throws Exception {
        ObjectNode n = (ObjectNode) M.readTree(fixture(Codec.SUCCESS));
        n.set("answer", n.remove("llm_response"));
        assertThrows(CodecException.class, () -> Attempt.fromJson(n.toString()));
        assertThrows(CodecException.class, () -> Codec.decode(Codec.SUCCESS, n.toString(), true));

        ObjectNode t = (ObjectNode) M.readTree(fixture(Codec.SUCCESS));
        t.put("retry_count", "zero");
        CodecException e = assertThrows(CodecException.class, () -> Attempt.fromJson(t.toString()));
        assertTrue(e.getMessage().contains("retry_count"), e.getMessage());

        assertThrows(CodecException.class, () -> Attempt.fromJson("{not json"));
        assertThrows(CodecException.class, () -> Attempt.fromJson("[1,2]"));
        assertThrows(IllegalArgumentException.class,
                () -> Codec.encode(Codec.PENDING, Map.of("question_idx", "q")));
    }

    static JsonNode cases(String name) throws Exception {
        return M.readTree(Files.readString(FIXTURES.resolve("cases").resolve(name + ".json"))).get("cases");
    }

    /** The shared invalid set (also run by the C codec's test): each rejected with a reason naming the field. */
    @Test
    void everySharedInvalidMessageIsRejectedWithAReason() throws Exception {
        int n = 0;
        for (JsonNode c : cases("invalid")) {
            String name = c.get("name").asText();
            String text = c.has("raw") ? c.get("raw").asText() : M.writeValueAsString(c.get("message"));
            CodecException e = assertThrows(CodecException.class,
                    () -> Codec.decode(c.get("topic").asText(), text, true), "accepted: " + name);
            assertFalse(e.getMessage().isBlank(), "no reason for " + name);
            if (c.hasNonNull("field")) {
                assertTrue(e.getMessage().contains(c.get("field").asText()), name + ": " + e.getMessage());
            }
            if (c.get("topic").asText().equals(Codec.SUCCESS)) {
                assertThrows(CodecException.class, () -> Attempt.fromJson(text), "Attempt accepted: " + name);
            }
            n++;
        }
        assertTrue(n >= 40, "only " + n + " invalid cases");
    }

    /** The shared valid set: each accepted, with the run it carries (1 when absent). */
    @Test
    void everySharedValidMessageIsAccepted() throws Exception {
        int n = 0;
        for (JsonNode c : cases("valid")) {
            String text = M.writeValueAsString(c.get("message"));
            Map<String, Object> m = Codec.decode(c.get("topic").asText(), text, true);
            assertEquals(c.get("run").asLong(), m.get("run"), c.get("name").asText());
            if (c.get("topic").asText().equals(Codec.SUCCESS)) {
                assertEquals(c.get("run").asInt(), Attempt.fromJson(text).run);
            }
            n++;
        }
        assertTrue(n >= 10, "only " + n + " valid cases");
    }

    @Test
    void runIsCarriedByTheAttempt() throws Exception {
        Attempt a = Attempt.fromJson(fixture(Codec.SUCCESS));
        assertEquals(2, a.run);
        a.run = 5;
        assertEquals(5L, Codec.decode(Codec.SUCCESS, a.toJson(), true).get("run"));
    }

    @Test
    void timesAreIsoWithMilliseconds() {
        long t = Codec.parseTime("2025-10-28T10:30:05.000Z");
        assertEquals("2025-10-28T10:30:05.000Z", Codec.isoTime(t));
        assertEquals(1234, Codec.parseTime("2025-10-28T10:30:05.000Z") - Codec.parseTime("2025-10-28T10:30:03.766Z"));
        assertEquals(-1, Codec.parseTime("yesterday"));
        assertNull(Codec.peekString("{", "question_id"));
    }
}
