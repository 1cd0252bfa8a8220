// ScorerClient: async HTTP client for qaflow-scorer (POST /score), round-robin over addresses, retries with back-off.
package org.qaflow.flink;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scores one (candidate, reference) pair. Transport errors, 5xx/503 and unusable answers are retried
 * forever (first on the other addresses, then with exponential back-off) until the caller cancels;
 * only a 400 (the scorer says the input itself is bad) ends a pair without a score. No score is invented.
 */
public final class ScorerClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScorerClient.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What became of a pair: a score, or the scorer's reason for rejecting it. */
    public record Result(double score, String rejected) {
        public boolean isScore() {
            return rejected == null;
        }
    }

    private final List<URI> endpoints;
    private final String scoreField;
    private final Duration requestTimeout;
    private final long backoffInitialMs;
    private final long backoffMaxMs;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    /**
     * @param urls       base URLs, e.g. http://127.0.0.1:5002 (the path /score is added)
     * @param scoreField auto (f1_rescaled when present, else f1), f1_rescaled or f1
     */
    public ScorerClient(List<String> urls, String scoreField, Duration requestTimeout, long backoffInitialMs,
                        long backoffMaxMs) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no scorer address");
        }
        List<URI> u = new ArrayList<>();
        for (String s : urls) {
            String base = s.trim();
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            u.add(URI.create(base.endsWith("/score") ? base : base + "/score"));
        }
        this.endpoints = List.copyOf(u);
        this.scoreField = scoreField;
        this.requestTimeout = requestTimeout;
        this.backoffInitialMs = Math.max(1, backoffInitialMs);
        this.backoffMaxMs = Math.max(this.backoffInitialMs, backoffMaxMs);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qaflow-scorer-retry");
            t.setDaemon(true);
            return t;
        });
    }

    public long requests() {
        return requests.get();
    }

    public long retries() {
        return retries.get();
    }

    /** Scores a pair; the future completes with a score or a rejection, never with a default. */
    public CompletableFuture<Result> score(String candidate, String reference, AtomicBoolean cancelled) {
        ObjectNode pair = MAPPER.createObjectNode();
        pair.put("candidate", candidate);
        pair.put("reference", reference);
        ObjectNode body = MAPPER.createObjectNode();
        body.putArray("pairs").add(pair);
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Result> f = new CompletableFuture<>();
        attempt(bytes, f, cancelled, 0);
        return f;
    }

    private void attempt(byte[] body, CompletableFuture<Result> f, AtomicBoolean cancelled, int n) {
        if (cancelled.get() || f.isDone()) {
            return;
        }
        URI uri = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        requests.incrementAndGet();
        http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
            String problem;
            if (err != null) {
                problem = "unreachable: " + Codec.oneLine(String.valueOf(err.getMessage() != null
                        ? err.getMessage() : err.getClass().getSimpleName()));
            } else if (resp.statusCode() == 200) {
                try {
                    f.complete(new Result(parseScore(resp.body()), null));
                    return;
                } catch (CodecException e) {
                    problem = "unusable answer: " + e.getMessage();
                }
            } else if (resp.statusCode() == 400) {
                f.complete(new Result(Double.NaN, "HTTP 400 " + errorText(resp.body())));
                return;
            } else {
                problem = "HTTP " + resp.statusCode();
            }
            retryLater(body, f, cancelled, n, uri, problem);
        });
    }

    private void retryLater(byte[] body, CompletableFuture<Result> f, AtomicBoolean cancelled, int n, URI uri,
                            String problem) {
        if (cancelled.get()) {
            return;
        }
        retries.incrementAndGet();
        int size = endpoints.size();
        long delay = 0;
        if ((n + 1) % size == 0) {
            int round = Math.min((n + 1) / size - 1, 30);
            long d = Math.min(backoffMaxMs, backoffInitialMs << Math.min(round, 20));
            delay = d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
        }
        if (n == 0 || Integer.bitCount(n + 1) == 1) {
            LOG.warn("level=warn event=scorer_retry url={} attempt={} delay_ms={} problem={}", uri, n + 1, delay,
                    problem);
        }
        try {
            timer.schedule(() -> attempt(body, f, cancelled, n + 1), delay, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            f.completeExceptionally(e);
        }
    }

    /** The chosen score of results[0]; a missing or non-finite value is not a score. */
    double parseScore(String json) throws CodecException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (Exception e) {
            throw new CodecException("not JSON");
        }
        JsonNode results = root == null ? null : root.get("results");
        if (results == null || !results.isArray() || results.size() != 1) {
            throw new CodecException("results is not a one-element array");
        }
        JsonNode r = results.get(0);
        String field = scoreField;
        if ("auto".equals(field)) {
            field = r.hasNonNull("f1_rescaled") ? "f1_rescaled" : "f1";
        }
        JsonNode v = r.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new CodecException("no numeric " + field + " in the answer");
        }
        return v.asDouble();
    }

    private static String errorText(String body) {
        try {
            JsonNode e = MAPPER.readTree(body).get("error");
            if (e != null && e.isTextual()) {
                return e.asText();
            }
        } catch (Exception ignored) {
            // fall through to the raw body
        }
        return Codec.oneLine(body);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
