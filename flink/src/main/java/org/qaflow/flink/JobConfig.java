// JobConfig: the ScoreJob's settings table (flag, environment variable, default, help) and its parsing.
package org.qaflow.flink;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every setting comes from --flag, else QAFLOW_SCOREJOB_<FLAG> in the environment, else the default. */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** name, default, help; the env variable is QAFLOW_SCOREJOB_ + name upper-cased with '-' as '_'. */
    private static final String[][] TABLE = {
        {"brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
        {"scorer", "http://127.0.0.1:5002", "qaflow-scorer base URLs, comma-separated (round-robin)"},
        {"group-id", "qaflow-scorejob", "Kafka consumer group (also the transactional id prefix)"},
        {"input-topic", Codec.SUCCESS, "topic with the LLM answers"},
        {"threshold", "0.5", "BERTScore at or above which an answer is accepted (docs/flink.md: Choosing the threshold)"},
        {"max-regenerations", "3", "regenerations before the best attempt is accepted (retry_count cap)"},
        {"score-field", "auto", "auto (f1_rescaled when present, else f1) | f1_rescaled | f1"},
        {"async-capacity", "32", "pairs being scored at once per subtask (keep <= the scorer's --http-threads)"},
        {"async-timeout-ms", "300000", "after this a pair still unscored is re-queued on the input topic"},
        {"scorer-timeout-ms", "15000", "timeout of one HTTP request to the scorer"},
        {"retry-initial-ms", "100", "first back-off after every scorer address failed"},
        {"retry-max-ms", "5000", "largest back-off between scorer retries"},
        {"checkpoint-interval-ms", "5000", "checkpoint interval"},
        {"delivery", "at-least-once", "at-least-once | exactly-once (Kafka transactions)"},
        {"buffer-timeout-ms", "1", "network buffer flush timeout (latency)"},
        {"linger-ms", "1", "Kafka producer linger.ms"},
        {"state-ttl-hours", "24", "how long a question's best attempt is remembered"},
        {"starting-offsets", "committed", "committed (else earliest) | earliest | latest | timestamp:<epoch ms>"},
        {"parallelism", "0", "job parallelism (0 = the cluster's default)"},
        {"job-name", "qaflow-scorejob", "name shown in the Flink Web UI"},
    };

    /** Older spellings still accepted: alias -> setting (the C services spell it --brokers too). */
    private static final Map<String, String> ALIASES = Map.of("kafka", "brokers");

    public String brokers;
    public List<String> scorerUrls;
    public String groupId;
    public String inputTopic;
    public double threshold;
    public int maxRegenerations;
    public String scoreField;
    public int asyncCapacity;
    public long asyncTimeoutMs;
    public long scorerTimeoutMs;
    public long retryInitialMs;
    public long retryMaxMs;
    public long checkpointIntervalMs;
    public String delivery;
    public long bufferTimeoutMs;
    public long lingerMs;
    public long stateTtlHours;
    public String startingOffsets;
    public int parallelism;
    public String jobName;

    private JobConfig() { }

    public boolean exactlyOnce() {
        return "exactly-once".equals(delivery);
    }

    public static String usage() {
        StringBuilder b = new StringBuilder("qaflow ScoreJob: scores LLM answers with qaflow-scorer and routes them.\n"
                + "usage: flink run qaflow-scorejob.jar [--name value ...]\n");
        for (String[] row : TABLE) {
            b.append(String.format("  --%-24s %s (env %s, default %s)%n", row[0], row[2], envName(row[0]), row[1]));
        }
        ALIASES.forEach((alias, name) -> b.append(String.format("  --%-24s the same as --%s%n", alias, name)));
        return b.toString();
    }

    static String envName(String name) {
        return "QAFLOW_SCOREJOB_" + name.toUpperCase().replace('-', '_');
    }

    /** Parses args (--name value or --name=value) over env over defaults; throws on unknown or bad values. */
    public static JobConfig parse(String[] args, Map<String, String> env) {
        Map<String, String> v = new LinkedHashMap<>();
        for (String[] row : TABLE) {
            String e = env.get(envName(row[0]));
            v.put(row[0], e != null && !e.isEmpty() ? e : row[1]);
        }
        List<String> a = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i < a.size(); i++) {
            String arg = a.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + arg);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < a.size()) {
                value = a.get(++i);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            name = ALIASES.getOrDefault(name, name);
            if (!v.containsKey(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            v.put(name, value);
        }
        JobConfig c = new JobConfig();
        c.brokers = v.get("brokers");
        c.scorerUrls = new ArrayList<>();
        for (String s : v.get("scorer").split(",")) {
            if (!s.isBlank()) {
                c.scorerUrls.add(s.trim());
            }
        }
        if (c.scorerUrls.isEmpty()) {
            throw new IllegalArgumentException("--scorer needs at least one URL");
        }
        c.groupId = v.get("group-id");
        c.inputTopic = v.get("input-topic");
        c.threshold = Double.parseDouble(v.get("threshold"));
        c.maxRegenerations = Integer.parseInt(v.get("max-regenerations"));
        c.scoreField = oneOf(v, "score-field", "auto", "f1_rescaled", "f1");
        c.asyncCapacity = Integer.parseInt(v.get("async-capacity"));
        c.asyncTimeoutMs = Long.parseLong(v.get("async-timeout-ms"));
        c.scorerTimeoutMs = Long.parseLong(v.get("scorer-timeout-ms"));
        c.retryInitialMs = Long.parseLong(v.get("retry-initial-ms"));
        c.retryMaxMs = Long.parseLong(v.get("retry-max-ms"));
        c.checkpointIntervalMs = Long.parseLong(v.get("checkpoint-interval-ms"));
        c.delivery = oneOf(v, "delivery", "at-least-once", "exactly-once");
        c.bufferTimeoutMs = Long.parseLong(v.get("buffer-timeout-ms"));
        c.lingerMs = Long.parseLong(v.get("linger-ms"));
        c.stateTtlHours = Long.parseLong(v.get("state-ttl-hours"));
        String so = v.get("starting-offsets");
        if (so.matches("timestamp:[0-9]+")) {
            c.startingOffsets = so;
        } else {
            c.startingOffsets = oneOf(v, "starting-offsets", "committed", "earliest", "latest");
        }
        c.parallelism = Integer.parseInt(v.get("parallelism"));
        c.jobName = v.get("job-name");
        if (c.maxRegenerations < 0 || c.asyncCapacity < 1 || c.asyncTimeoutMs < 1 || c.stateTtlHours < 1) {
            throw new IllegalArgumentException("max-regenerations >= 0, async-capacity >= 1, "
                    + "async-timeout-ms >= 1 and state-ttl-hours >= 1 are required");
        }
        return c;
    }

    private static String oneOf(Map<String, String> v, String name, String... allowed) {
        String x = v.get(name);
        for (String s : allowed) {
            if (s.equals(x)) {
                return x;
            }
        }
        throw new IllegalArgumentException("--" + name + " must be one of " + String.join("|", allowed));
    }

    @Override
    public String toString() {
        return "brokers=" + brokers + " scorer=" + scorerUrls + " group=" + groupId + " threshold=" + threshold
                + " max_regenerations=" + maxRegenerations + " score_field=" + scoreField + " delivery=" + delivery
                + " async_capacity=" + asyncCapacity + " async_timeout_ms=" + asyncTimeoutMs
                + " checkpoint_ms=" + checkpointIntervalMs;
    }
}
