// Codec: the one definition of every qaflow Kafka message as seen by the ScoreJob (field order = docs/messages.md).
package org.qaflow.flink;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Decodes and encodes the JSON messages of every topic, checking field names and types. */
public final class Codec {
    public static final String PENDING = "questions-pending";
    public static final String SUCCESS = "llm-responses-success";
    public static final String ERROR_OVERLOAD = "llm-responses-error-overload";
    public static final String ERROR_QUOTA = "llm-responses-error-quota";
    public static final String VALIDATED = "validated-responses";
    public static final String LOW_QUALITY = "low-quality-responses";
    public static final String FAILED = "questions-failed";

    /**
     * JSON value kinds of the contract, with the checks both codecs apply (src/common/msg.c is the C side):
     * QID 1-128 of [A-Za-z0-9_.-]; TEXT a string not empty or blank; STR any string; TS an ISO-8601 UTC
     * timestamp; STAGE one of storage, llm, retry, score; INT 0..2^31-1; LONG 0..2^63-1; STATUS 100..599;
     * NUM a finite number within +-1e300; RUN 1..2^31-1 (1 when absent). No string may hold NUL or an
     * unpaired surrogate.
     */
    public enum Kind { QID, TEXT, STR, TS, STAGE, INT, LONG, STATUS, NUM, BOOL, RUN }

    /** One field of a message: name, kind, and whether a decoder insists on it (the seed's fields). */
    public record Field(String name, Kind kind, boolean required) { }

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final DateTimeFormatter ISO_MS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** The contract's timestamp shape; the calendar date is checked by Instant.parse (strict). */
    private static final Pattern TS = Pattern.compile(
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?Z");
    private static final Pattern QID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private static final Set<String> STAGES = Set.of("storage", "llm", "retry", "score");

    private static Field f(String n, Kind k) { return new Field(n, k, true); }
    private static Field o(String n, Kind k) { return new Field(n, k, false); }

    private static final Field RUN = o("run", Kind.RUN);

    private static final List<Field> ERROR_FIELDS = List.of(
            f("question_id", Kind.QID), f("question_text", Kind.TEXT), f("original_answer", Kind.STR),
            f("retry_count", Kind.INT), f("error_retries", Kind.INT), f("timestamp", Kind.TS),
            o("error_type", Kind.TEXT), o("http_status", Kind.STATUS), o("error_message", Kind.STR),
            o("retry_after_s", Kind.INT), o("created_at", Kind.TS), RUN);

    private static final Map<String, List<Field>> SPECS = Map.of(
            PENDING, List.of(f("question_id", Kind.QID), f("question_text", Kind.TEXT),
                    f("original_answer", Kind.STR), f("retry_count", Kind.INT), f("timestamp", Kind.TS),
                    o("error_retries", Kind.INT), o("created_at", Kind.TS), RUN),
            SUCCESS, List.of(f("question_id", Kind.QID), f("question_text", Kind.TEXT), f("llm_response", Kind.STR),
                    f("original_answer", Kind.STR), f("retry_count", Kind.INT), f("response_time_ms", Kind.LONG),
                    f("timestamp", Kind.TS), o("error_retries", Kind.INT), o("created_at", Kind.TS),
                    o("llm_started_at", Kind.TS), o("llm_finished_at", Kind.TS), o("model", Kind.STR), RUN),
            ERROR_OVERLOAD, ERROR_FIELDS,
            ERROR_QUOTA, ERROR_FIELDS,
            VALIDATED, List.of(f("question_id", Kind.QID), f("question_text", Kind.TEXT),
                    f("llm_response", Kind.STR), f("original_answer", Kind.STR), f("bert_score", Kind.NUM),
                    f("processing_attempts", Kind.INT), f("total_processing_time_ms", Kind.LONG),
                    f("timestamp", Kind.TS), o("accepted_below_threshold", Kind.BOOL), o("first_score", Kind.NUM),
                    o("created_at", Kind.TS), o("llm_started_at", Kind.TS), o("llm_finished_at", Kind.TS),
                    o("scored_at", Kind.TS), o("model", Kind.STR), RUN),
            LOW_QUALITY, List.of(f("question_id", Kind.QID), f("llm_response", Kind.STR), f("bert_score", Kind.NUM),
                    f("retry_count", Kind.INT), f("threshold", Kind.NUM), f("timestamp", Kind.TS),
                    o("created_at", Kind.TS), o("llm_started_at", Kind.TS), o("llm_finished_at", Kind.TS),
                    o("scored_at", Kind.TS), o("model", Kind.STR), RUN),
            FAILED, List.of(f("question_id", Kind.QID), f("reason", Kind.TEXT), f("stage", Kind.STAGE),
                    f("retry_count", Kind.INT), f("error_retries", Kind.INT), f("timestamp", Kind.TS),
                    o("http_status", Kind.STATUS), o("created_at", Kind.TS), RUN));

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
     * Decodes a message of a topic into an ordered map (String, Long, Double, Boolean values); every present
     * field is checked as its Kind says, run is 1 when absent. strict: every seed field must be present (the
     * contract; non-strict only serves best-effort looks). Unknown fields are ignored; null counts as absent.
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
                if (f.kind() == Kind.RUN) {
                    out.put(f.name(), 1L);
                }
                continue;
            }
            out.put(f.name(), value(f, v));
        }
        return out;
    }

    private static Object value(Field f, JsonNode v) throws CodecException {
        String n = f.name();
        switch (f.kind()) {
            case QID, TEXT, STR, TS, STAGE -> {
                if (!v.isTextual()) {
                    throw new CodecException("field " + n + " is not a string");
                }
                String s = v.asText();
                checkText(n, s);
                switch (f.kind()) {
                    case QID -> {
                        if (!QID.matcher(s).matches()) {
                            throw new CodecException("field " + n + " is not a valid question id");
                        }
                    }
                    case TEXT -> {
                        if (s.chars().allMatch(Codec::isAsciiSpace)) {
                            throw new CodecException("field " + n + " is empty");
                        }
                    }
                    case TS -> {
                        if (!validTime(s)) {
                            throw new CodecException("field " + n + " is not an ISO-8601 UTC timestamp: "
                                    + oneLine(s.length() > 40 ? s.substring(0, 40) : s));
                        }
                    }
                    case STAGE -> {
                        if (!STAGES.contains(s)) {
                            throw new CodecException("field " + n + " must be one of storage, llm, retry, score");
                        }
                    }
                    default -> { }
                }
                return s;
            }
            case INT, LONG, STATUS, RUN -> {
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw new CodecException("field " + n + " is not an integer");
                }
                long x = v.asLong();
                long min = f.kind() == Kind.STATUS ? 100 : f.kind() == Kind.RUN ? 1 : 0;
                long max = f.kind() == Kind.STATUS ? 599 : f.kind() == Kind.LONG ? Long.MAX_VALUE : Integer.MAX_VALUE;
                if (x < min || x > max) {
                    throw new CodecException("field " + n + " must be between " + min + " and " + max + " (got " + x
                            + ")");
                }
                return x;
            }
            case NUM -> {
                if (!v.isNumber()) {
                    throw new CodecException("field " + n + " is not a number");
                }
                double d = v.asDouble();
                if (!Double.isFinite(d) || d < -1e300 || d > 1e300) {
                    throw new CodecException("field " + n + " is not a finite number within +-1e300");
                }
                return d;
            }
            default -> {
                if (!v.isBoolean()) {
                    throw new CodecException("field " + n + " is not a boolean");
                }
                return v.asBoolean();
            }
        }
    }

    /** No NUL and no unpaired surrogate (text the C side, which works on UTF-8, could not hold). */
    private static void checkText(String name, String s) throws CodecException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw new CodecException("field " + name + " contains a NUL character");
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new CodecException("field " + name + " contains an unpaired surrogate");
            }
        }
    }

    private static boolean isAsciiSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    /** 1-128 characters of [A-Za-z0-9_.-] (qid_valid on the C side). */
    public static boolean validQuestionId(String s) {
        return s != null && QID.matcher(s).matches();
    }

    /** The contract's timestamp: YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z, a real calendar date, year 1 to 9999. */
    public static boolean validTime(String s) {
        if (s == null || !TS.matcher(s).matches() || s.startsWith("0000")) {
            return false;
        }
        try {
            Instant.parse(s);
            return true;
        } catch (Exception e) {
            return false;
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
                case QID, TEXT, STR, TS, STAGE -> node.put(f.name(), v.toString());
                case INT, LONG, STATUS, RUN -> node.put(f.name(), ((Number) v).longValue());
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

    /** Parses a contract timestamp; -1 when absent or not one. */
    public static long parseTime(String iso) {
        if (!validTime(iso)) {
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
