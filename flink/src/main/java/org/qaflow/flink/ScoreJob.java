// ScoreJob: entry point; wires KafkaSource -> Parser -> Async scoring -> keyBy(question_id) Router -> KafkaSink.
package org.qaflow.flink;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** The qaflow Flink job. Run with --help for its settings. */
public final class ScoreJob {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

    private ScoreJob() { }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(JobConfig.usage());
            return;
        }
        JobConfig c = JobConfig.parse(args, System.getenv());
        LOG.info("level=info event=start {}", c);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, c);
        env.execute(c.jobName);
    }

    /** Adds the job's operators to env. */
    public static void build(StreamExecutionEnvironment env, JobConfig c) {
        if (c.parallelism > 0) {
            env.setParallelism(c.parallelism);
        }
        env.setBufferTimeout(c.bufferTimeoutMs);
        env.enableCheckpointing(c.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(Math.min(1000, c.checkpointIntervalMs));
        // While the scorer is down the async queue is full and a checkpoint barrier may wait behind it:
        // such a checkpoint expires and is tolerated (the job keeps waiting instead of restarting).
        env.getCheckpointConfig().setCheckpointTimeout(120_000);
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(Integer.MAX_VALUE);
        env.getCheckpointConfig().setExternalizedCheckpointRetention(
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);

        DataStream<RawRecord> raw = env.fromSource(KafkaIO.source(c), WatermarkStrategy.noWatermarks(),
                "kafka:" + c.inputTopic).uid("source-llm-responses-success");
        SingleOutputStreamOperator<Attempt> attempts = raw.process(new Parser()).name("parse").uid("parse");
        DataStream<OutRecord> malformed = attempts.getSideOutput(Parser.FAILED);

        DataStream<Scored> scored = AsyncDataStream.unorderedWait(attempts,
                new ScoreFunction(c.scorerUrls, c.scoreField, c.scorerTimeoutMs, c.retryInitialMs, c.retryMaxMs),
                c.asyncTimeoutMs, TimeUnit.MILLISECONDS, c.asyncCapacity).name("score (qaflow-scorer)").uid("score");

        DataStream<OutRecord> routed = scored.keyBy(s -> s.attempt.questionId)
                .process(new Router(c.threshold, c.maxRegenerations, Duration.ofHours(c.stateTtlHours)))
                .name("route").uid("route");

        routed.union(malformed).sinkTo(KafkaIO.sink(c)).name("kafka sink").uid("sink");
    }
}
