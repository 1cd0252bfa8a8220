// KafkaIOTest: the sink leaves partitioning to the Kafka client's default (murmur2 of the key bytes), the
// partitioner every qaflow producer uses (docs/messages.md, Partitioning).
package org.qaflow.flink;

import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaIOTest {
    @Test
    void recordsCarryTheKeyAndNoPartition() {
        ProducerRecord<byte[], byte[]> r = new KafkaIO.OutSerializer()
                .serialize(new OutRecord(Codec.PENDING, "q-é1", "{}"), null, null);
        assertEquals(Codec.PENDING, r.topic());
        assertNull(r.partition(), "a fixed partition would bypass the Kafka client's partitioner");
        assertArrayEquals("q-é1".getBytes(StandardCharsets.UTF_8), r.key());
    }

    @Test
    void sinkKeepsTheDefaultPartitioner() throws Exception {
        for (String delivery : new String[] {"at-least-once", "exactly-once"}) {
            KafkaSink<OutRecord> sink = KafkaIO.sink(JobConfig.parse(new String[] {"--delivery", delivery}, Map.of()));
            Field f = KafkaSink.class.getDeclaredField("kafkaProducerConfig");
            f.setAccessible(true);
            Properties p = (Properties) f.get(sink);
            assertNull(p.get(ProducerConfig.PARTITIONER_CLASS_CONFIG), delivery + ": partitioner.class");
            assertNull(p.get(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG), delivery + ": partitioner.ignore.keys");
        }
    }

    @Test
    void bytesThatAreNotUtf8AreMarkedLikeTheCCodecRefusesThem() {
        assertTrue(KafkaIO.validUtf8("{\"question_text\":\"¿Cuál? 🇫🇷\"}".getBytes(StandardCharsets.UTF_8)));
        assertFalse(KafkaIO.validUtf8(new byte[] {'{', '"', 'a', (byte) 0xe9, '"', '}'}));
        assertFalse(KafkaIO.validUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})); // a surrogate in UTF-8
    }
}
