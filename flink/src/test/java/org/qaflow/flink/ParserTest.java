// ParserTest: malformed llm-responses-success records become questions-failed messages; good ones pass.
package org.qaflow.flink;

import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParserTest {
    @Test
    void goodRecordPassesMalformedOnesFailWithAReason() throws Exception {
        String good = Files.readString(CodecTest.FIXTURES.resolve(Codec.SUCCESS + ".json"));
        try (OneInputStreamOperatorTestHarness<RawRecord, Attempt> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new Parser())) {
            h.processElement(new RawRecord("q_5f2b9c0e1a7d4e3b", good, 0, 1), 0);
            h.processElement(new RawRecord("q_bad_json", "{this is not json", 1, 7), 0);
            h.processElement(new RawRecord("q_key", "{\"question_id\":\"q_body\",\"retry_count\":2}", 2, 9), 0);
            h.processElement(new RawRecord(null, null, 0, 3), 0);
            RawRecord notUtf8 = new RawRecord("q_utf", good.replace("\"run\": 2", "\"run\": 3"), 1, 11);
            notUtf8.error = "value is not valid UTF-8";
            h.processElement(notUtf8, 0);
            List<Attempt> ok = h.extractOutputValues();
            assertEquals(1, ok.size());
            assertEquals("The capital of France is Paris.", ok.get(0).llmResponse);

            List<OutRecord> failed = h.getSideOutput(Parser.FAILED).stream().map(r -> r.getValue())
                    .collect(Collectors.toList());
            assertEquals(4, failed.size());
            Map<String, Object> f0 = Codec.decode(Codec.FAILED, failed.get(0).value, true);
            assertEquals("q_bad_json", f0.get("question_id"));
            assertEquals("score", f0.get("stage"));
            assertTrue(((String) f0.get("reason")).contains("not JSON"), (String) f0.get("reason"));
            assertTrue(((String) f0.get("reason")).contains("offset 7"));
            Map<String, Object> f1 = Codec.decode(Codec.FAILED, failed.get(1).value, true);
            assertEquals("q_body", f1.get("question_id"));
            assertEquals("q_body", failed.get(1).key);
            assertEquals(2L, f1.get("retry_count"));
            assertTrue(((String) f1.get("reason")).contains("missing field"));
            Map<String, Object> f2 = Codec.decode(Codec.FAILED, failed.get(2).value, true);
            assertEquals("unknown-p0-o3", f2.get("question_id"));
            Map<String, Object> f3 = Codec.decode(Codec.FAILED, failed.get(3).value, true);
            assertTrue(((String) f3.get("reason")).contains("not valid UTF-8"), (String) f3.get("reason"));
            assertEquals(3L, f3.get("run"), "the dead letter keeps the run it could read");
        }
    }
}
