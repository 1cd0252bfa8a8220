// JobConfigTest: flags override environment override defaults; bad values are refused.
package org.qaflow.flink;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigTest {
    @Test
    void defaultsEnvAndFlags() {
        JobConfig d = JobConfig.parse(new String[0], Map.of());
        assertEquals(0.5, d.threshold);
        assertEquals(3, d.maxRegenerations);
        assertEquals("auto", d.scoreField);
        assertEquals("qaflow-scorejob", d.groupId);
        JobConfig c = JobConfig.parse(new String[] {"--threshold", "0.6", "--scorer=http://a:1,http://b:2"},
                Map.of("QAFLOW_SCOREJOB_THRESHOLD", "0.5", "QAFLOW_SCOREJOB_MAX_REGENERATIONS", "2"));
        assertEquals(0.6, c.threshold);
        assertEquals(2, c.maxRegenerations);
        assertEquals(List.of("http://a:1", "http://b:2"), c.scorerUrls);
        assertEquals("timestamp:1700000000000",
                JobConfig.parse(new String[] {"--starting-offsets", "timestamp:1700000000000"}, Map.of()).startingOffsets);
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> JobConfig.parse(new String[] {"--nope", "1"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> JobConfig.parse(new String[] {"--score-field", "f2"}, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> JobConfig.parse(new String[] {"--threshold"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> JobConfig.parse(new String[] {"--starting-offsets", "timestamp:soon"}, Map.of()));
        assertTrue(JobConfig.usage().contains("QAFLOW_SCOREJOB_THRESHOLD"));
    }
}
