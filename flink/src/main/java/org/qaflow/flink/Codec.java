// Codec: the one definition of every qaflow Kafka message as seen by the ScoreJob (field order = docs/messages.md).
package org.qaflow.flink;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes and encodes the JSON messages of every topic, checking field names and types. */
public final class Codec {
    public static final String PENDING = "questions-pending";
    public static final String SUCCESS = "llm-responses-success";
    public static final String ERROR_OVERLOAD = "llm-responses-error-overload";
    public static final String ERROR_QUOTA = "llm-responses-error-quota";
    public static final String VALIDATED = "validated-responses";
    public static final String LOW_QUALITY = "low-quality-responses";
    public static final String FAILED = "questions-failed";

    /** JSON value kinds used by the contract. */
    public enum Kind { STR, INT, NUM, BOOL }

    /** One field of a message: name, kind, and whether a decoder insists on it (the seed's fields). */
    public record Field(String name, Kind kind, boolean required) { }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter ISO_MS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static Field s(String n) { return new Field(n, Kind.STR, true); }
    private static Field i(String n) { return new Field(n, Kind.INT, true); }
    private static Field d(String n) { return new Field(n, Kind.NUM, true); }
    private static Field os(String n) { return new Field(n, Kind.STR, false); }
    private static Field oi(String n) { return new Field(n, Kind.INT, false); }
    private static Field od(String n) { return new Field(n, Kind.NUM, false); }
    private static Field ob(String n) { return new Field(n, Kind.BOOL, false); }

    private static final List<Field> ERROR_FIELDS = List.of(
            s("question_id"), s("question_text"), s("original_answer"), i("retry_count"), i("error_retries"),
            s("timestamp"), os("error_type"), oi("http_status"), os("error_message"), oi("retry_after_s"),
            os("created_at"));

    private static final Map<String, List<Field>> SPECS = Map.of(
            PENDING, List.of(s("question_id"), s("question_text"), s("original_answer"), i("retry_count"),
                    s("timestamp"), oi("error_retries"), os("created_at")),
            SUCCESS, List.of(s("question_id"), s("question_text"), s("llm_response"), s("original_answer"),
                    i("retry_count"), i("response_time_ms"), s("timestamp"), oi("error_retries"), os("created_at"),
                    os("llm_started_at"), os("llm_finished_at"), os("model")),
            ERROR_OVERLOAD, ERROR_FIELDS,
            ERROR_QUOTA, ERROR_FIELDS,
            VALIDATED, List.of(s("question_id"), s("question_text"), s("llm_response"), s("original_answer"),
                    d("bert_score"), i("processing_attempts"), i("total_processing_time_ms"), s("timestamp"),
                    ob("accepted_below_threshold"), od("first_score"), os("created_at"), os("llm_started_at"),
                    os("llm_finished_at"), os("scored_at"), os("model")),
            LOW_QUALITY, List.of(s("question_id"), s("llm_response"), d("bert_score"), i("retry_count"),
                    d("threshold"), s("timestamp"), os("created_at"), os("llm_started_at"), os("llm_finished_at"),
                    os("scored_at"), os("model")),
            FAILED, List.of(s("question_id"), s("reason"), s("stage"), i("retry_count"), i("error_retries"),
                    s("timestamp"), oi("http_status"), os("created_at")));

    private Codec() { }

    /** Fields of a topic's message in contract order. */
    public static List<Field> spec(String topic) {
        List<Field> f = SPECS.get(topic);
        if (f == null) {
            throw new IllegalArgumentException("unknown topic " + topic);
        }
        return f;
    }

    /**
     * Decodes a message of a topic into an ordered map (String, Long, Double, Boolean values).
     * strict: every seed field must be present. Unknown fields are ignored; null counts as absent.
     */
    public static Map<String, Object> decode(String topic, String json, boolean strict) throws CodecException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (Exception e) {
            throw new CodecException("not JSON: " + oneLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new CodecException("not a JSON object");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field f : spec(topic)) {
            JsonNode v = root.get(f.name());
            if (v == null || v.isNull()) {
                if (strict && f.required()) {
                    throw new CodecException("missing field " + f.name());
                }
                continue;
            }
            out.put(f.name(), value(f, v));
        }
        return out;
    }

    private static Object value(Field f, JsonNode v) throws CodecException {
        switch (f.kind()) {
            case STR:
                if (!v.isTextual()) {
                    throw new CodecException("field " + f.name() + " is not a string");
                }
                return v.asText();
            case INT:
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw new CodecException("field " + f.name() + " is not an integer");
                }
                return v.asLong();
            case NUM:
                if (!v.isNumber()) {
                    throw new CodecException("field " + f.name() + " is not a number");
                }
                return v.asDouble();
            default:
                if (!v.isBoolean()) {
                    throw new CodecException("field " + f.name() + " is not a boolean");
                }
                return v.asBoolean();
        }
    }

    /** Encodes an ordered map as a topic's message: contract order, absent (null) fields omitted. */
    public static String encode(String topic, Map<String, Object> values) {
        ObjectNode node = MAPPER.createObjectNode();
        for (Field f : spec(topic)) {
            Object v = values.get(f.name());
            if (v == null) {
                continue;
            }
            switch (f.kind()) {
                case STR -> node.put(f.name(), v.toString());
                case INT -> node.put(f.name(), ((Number) v).longValue());
                case NUM -> node.put(f.name(), ((Number) v).doubleValue());
                default -> node.put(f.name(), (Boolean) v);
            }
        }
        for (String k : values.keySet()) {
            if (spec(topic).stream().noneMatch(f -> f.name().equals(k))) {
                throw new IllegalArgumentException("field " + k + " is not part of " + topic);
            }
        }
        try {
            return MAPPER.writeValueAsString(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Best-effort look at a broken record: a string field if it is there, else null. */
    public static String peekString(String json, String field) {
        try {
            JsonNode v = MAPPER.readTree(json).get(field);
            return v != null && v.isTextual() ? v.asText() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Best-effort look at a broken record: an integer field if it is there, else dflt. */
    public static long peekLong(String json, String field, long dflt) {
        try {
            JsonNode v = MAPPER.readTree(json).get(field);
            return v != null && v.isIntegralNumber() ? v.asLong() : dflt;
        } catch (Exception e) {
            return dflt;
        }
    }

    /** ISO-8601 UTC with milliseconds. */
    public static String isoTime(long epochMs) {
        return ISO_MS.format(Instant.ofEpochMilli(epochMs));
    }

    /** Parses an ISO-8601 instant; -1 when absent or unparseable. */
    public static long parseTime(String iso) {
        if (iso == null) {
            return -1;
        }
        try {
            return Instant.parse(iso).toEpochMilli();
        } catch (Exception e) {
            return -1;
        }
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replace('\n', ' ').replace('\r', ' ');
        return t.length() > 200 ? t.substring(0, 200) : t;
    }
}
