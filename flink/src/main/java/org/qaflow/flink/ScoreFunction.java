// ScoreFunction: Flink Async I/O step that scores each attempt through qaflow-scorer; a timeout re-queues.
package org.qaflow.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** Unordered async scoring: attempts of one question are sequential anyway, so order buys nothing. */
public class ScoreFunction extends RichAsyncFunction<Attempt, Scored> {
    private static final long serialVersionUID = 1L;

    private final List<String> urls;
    private final String scoreField;
    private final long requestTimeoutMs;
    private final long backoffInitialMs;
    private final long backoffMaxMs;
    private transient ScorerClient client;
    private transient Map<Attempt, AtomicBoolean> inFlight;

    public ScoreFunction(List<String> urls, String scoreField, long requestTimeoutMs, long backoffInitialMs,
                         long backoffMaxMs) {
        this.urls = List.copyOf(urls);
        this.scoreField = scoreField;
        this.requestTimeoutMs = requestTimeoutMs;
        this.backoffInitialMs = backoffInitialMs;
        this.backoffMaxMs = backoffMaxMs;
    }

    @Override
    public void open(OpenContext ctx) {
        client = new ScorerClient(urls, scoreField, Duration.ofMillis(requestTimeoutMs), backoffInitialMs,
                backoffMaxMs);
        inFlight = Collections.synchronizedMap(new IdentityHashMap<>());
        var g = getRuntimeContext().getMetricGroup().addGroup("qaflow");
        g.gauge("scorer_requests", () -> client.requests());
        g.gauge("scorer_retries", () -> client.retries());
        g.gauge("scoring_in_flight", () -> inFlight.size());
    }

    @Override
    public void asyncInvoke(Attempt a, ResultFuture<Scored> rf) {
        AtomicBoolean cancelled = new AtomicBoolean();
        inFlight.put(a, cancelled);
        client.score(a.llmResponse, a.originalAnswer, cancelled).whenComplete((res, err) -> {
            inFlight.remove(a);
            if (err != null) {
                rf.completeExceptionally(err);
            } else if (res.isScore()) {
                rf.complete(Collections.singleton(
                        Scored.scored(a, res.score(), Codec.isoTime(System.currentTimeMillis()))));
            } else {
                rf.complete(Collections.singleton(Scored.rejected(a, res.rejected())));
            }
        });
    }

    @Override
    public void timeout(Attempt a, ResultFuture<Scored> rf) {
        AtomicBoolean cancelled = inFlight.remove(a);
        if (cancelled != null) {
            cancelled.set(true);
        }
        rf.complete(Collections.singleton(Scored.requeue(a)));
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
