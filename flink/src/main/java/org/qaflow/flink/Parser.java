// Parser: decodes raw llm-responses-success records; a malformed one becomes a questions-failed message.
package org.qaflow.flink;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Good records go on as Attempts; bad ones to the FAILED side output, and the job keeps running. */
public class Parser extends ProcessFunction<RawRecord, Attempt> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(Parser.class);
    public static final OutputTag<OutRecord> FAILED = new OutputTag<>("malformed") { };

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<Attempt> out) {
        try {
            if (r.value == null) {
                throw new CodecException("empty record");
            }
            if (r.error != null) {
                throw new CodecException(r.error);
            }
            out.collect(Attempt.fromJson(r.value));
        } catch (CodecException e) {
            ctx.output(FAILED, malformed(r, e.getMessage(), ctx.timerService().currentProcessingTime()));
        }
    }

    /** The questions-failed message for a record that is not a valid llm-responses-success message. */
    static OutRecord malformed(RawRecord r, String why, long nowMs) {
        String v = r.value == null ? "" : r.value;
        String qid = Codec.peekString(v, "question_id");
        if (qid == null || !Codec.validQuestionId(qid)) {
            qid = r.key != null && !r.key.isEmpty() ? r.key : "unknown-p" + r.partition + "-o" + r.offset;
        }
        String reason = "malformed llm-responses-success record (partition " + r.partition + ", offset "
                + r.offset + "): " + why;
        LOG.warn("level=warn event=malformed question_id={} partition={} offset={} reason={}", qid,
                r.partition, r.offset, why);
        long run = Codec.peekLong(v, "run", 1);
        return Outputs.failed(qid, run >= 1 && run <= Integer.MAX_VALUE ? run : 1, reason, Codec.peekLong(v, "retry_count", 0),
                Codec.peekLong(v, "error_retries", 0), Codec.peekString(v, "created_at"), nowMs);
    }
}
