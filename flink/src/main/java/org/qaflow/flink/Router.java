// Router: keyed by question_id, keeps the best attempt in TTL state and routes each scored attempt.
package org.qaflow.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * State is per question for its current run: an attempt of a newer run starts fresh state, one of an older
 * run is dropped. score >= threshold: validated. Below: low-quality, and questions-pending (retry_count + 1) while
 * retry_count < cap, else validated with the best attempt marked accepted_below_threshold. A retry count already
 * seen in the run is a duplicate; an older one not seen yet (re-scored after a restore, overtaken by its successor)
 * is late: recorded (best, first score, its message) but never regenerated, also after the final message.
 */
public class Router extends KeyedProcessFunction<String, Scored, OutRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final double threshold;
    private final int maxRegenerations;
    private final Duration stateTtl;
    private transient ValueState<BestAttempt> state;
    private transient Counter validated;
    private transient Counter belowThreshold;
    private transient Counter regenerations;
    private transient Counter duplicates;
    private transient Counter late;
    private transient Counter failed;
    private transient Counter requeued;
    private transient Counter staleRuns;
    private transient Counter newRuns;
    private transient Counter stateMissing;
    private transient Counter missingCreatedAt;

    public Router(double threshold, int maxRegenerations, Duration stateTtl) {
        this.threshold = threshold;
        this.maxRegenerations = maxRegenerations;
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext ctx) {
        ValueStateDescriptor<BestAttempt> d = new ValueStateDescriptor<>("best-attempt", BestAttempt.class);
        d.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        state = getRuntimeContext().getState(d);
        var g = getRuntimeContext().getMetricGroup().addGroup("qaflow");
        validated = g.counter("validated");
        belowThreshold = g.counter("accepted_below_threshold");
        regenerations = g.counter("regenerations");
        duplicates = g.counter("duplicates_dropped");
        late = g.counter("late_attempts_recorded");
        failed = g.counter("failed");
        requeued = g.counter("requeued");
        staleRuns = g.counter("stale_runs_dropped");
        newRuns = g.counter("runs_restarted");
        stateMissing = g.counter("state_missing");
        missingCreatedAt = g.counter("missing_created_at");
    }

    @Override
    public void processElement(Scored s, Context ctx, Collector<OutRecord> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        Attempt a = s.attempt;
        if (s.outcome == Scored.REQUEUE) {
            requeued.inc();
            LOG.warn("level=warn event=requeue question_id={} retry_count={} reason=async-timeout",
                    a.questionId, a.retryCount);
            out.collect(Outputs.requeue(a));
            return;
        }
        BestAttempt st = state.value();
        if (st != null) {
            st.upgradeLegacy();
        }
        if (st != null && a.run < st.run) {
            staleRuns.inc();
            LOG.info("level=info event=stale_run question_id={} run={} current_run={}", a.questionId, a.run, st.run);
            return;
        }
        if (st != null && a.run > st.run) {
            newRuns.inc();
            LOG.info("level=info event=new_run question_id={} run={} previous_run={}", a.questionId, a.run, st.run);
            st = null;
        }
        if (st != null && !st.seen(a.retryCount) && a.retryCount < st.lastRetryCount) {
            recordLate(s, st, now, out);
            return;
        }
        if (st != null && (st.done || st.seen(a.retryCount))) {
            duplicates.inc();
            LOG.info("level=info event=duplicate question_id={} run={} retry_count={} done={}", a.questionId, a.run,
                    a.retryCount, st.done);
            return;
        }
        if (a.createdAt == null) {
            missingCreatedAt.inc();
        }
        if (s.outcome == Scored.REJECTED) {
            failed.inc();
            out.collect(Outputs.failed(a.questionId, a.run, "scorer rejected the pair: " + s.error, a.retryCount,
                    a.errorRetries == null ? 0 : a.errorRetries, a.createdAt, now));
            BestAttempt done = st != null ? st : new BestAttempt();
            done.run = a.run;
            done.done = true;
            done.markSeen(a.retryCount);
            state.update(done);
            return;
        }
        if (st == null) {
            st = new BestAttempt();
            st.run = a.run;
            if (a.retryCount == 0) {
                st.firstScore = s.score;
            } else {
                // earlier attempts of this run are unknown here (state expired or lost): say so, invent nothing;
                // storage corrects the best and first_score from the run's stored attempts
                st.firstMissing = true;
                stateMissing.inc();
                LOG.warn("level=warn event=state_missing question_id={} run={} retry_count={}", a.questionId, a.run,
                        a.retryCount);
            }
        }
        st.attemptsSeen++;
        st.markSeen(a.retryCount);
        st.offer(s);
        if (s.score >= threshold) {
            validated.inc();
            out.collect(Outputs.validated(s, st, now));
            st.done = true;
        } else {
            out.collect(Outputs.lowQuality(s, threshold, now));
            if (a.retryCount < maxRegenerations) {
                regenerations.inc();
                out.collect(Outputs.regenerate(a, now));
            } else {
                belowThreshold.inc();
                validated.inc();
                out.collect(Outputs.validatedBest(s, st, now));
                st.done = true;
            }
        }
        state.update(st);
    }

    /**
     * An attempt older than the newest seen and not seen itself. Its successor exists, so it never regenerates and
     * never ends the run at the cap; it is offered to the best (and is the first score when it is attempt 0), and
     * its message is emitted as usual: low-quality below the threshold, validated at or above it. After the final
     * message too: storage records the attempt and corrects the run's result from its stored attempts. A late
     * rejected pair is only noted: the run goes on with its newer attempt.
     */
    private void recordLate(Scored s, BestAttempt st, long now, Collector<OutRecord> out) throws Exception {
        Attempt a = s.attempt;
        st.markSeen(a.retryCount);
        late.inc();
        boolean rejected = s.outcome == Scored.REJECTED;
        LOG.warn("level=warn event=late_attempt question_id={} run={} retry_count={} last_retry_count={} done={} "
                + "rejected={}", a.questionId, a.run, a.retryCount, st.lastRetryCount, st.done, rejected);
        if (!rejected) {
            st.attemptsSeen++;
            if (a.retryCount == 0) {
                st.firstScore = s.score;
                st.firstMissing = false;
            }
            st.offer(s);
            if (s.score >= threshold) {
                if (!st.done) {
                    validated.inc();
                }
                out.collect(Outputs.validated(s, st, now));
                st.done = true;
            } else {
                out.collect(Outputs.lowQuality(s, threshold, now));
            }
        }
        state.update(st);
    }
}
