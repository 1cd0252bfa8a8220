// KafkaIO: the job's KafkaSource (raw records) and KafkaSink (topic chosen per record, keyed by question_id).
package org.qaflow.flink;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Builders for the source and the sink. */
public final class KafkaIO {
    private KafkaIO() { }

    static boolean validUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Hands every record on as text; decoding (and its errors) happens in Parser. A value that is not
     *  valid UTF-8 is marked (the C codec refuses such bytes too), its text kept for best-effort looks. */
    static final class RawDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            String value = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
            RawRecord raw = new RawRecord(key, value, r.partition(), r.offset());
            if (r.value() != null && !validUtf8(r.value())) {
                raw.error = "value is not valid UTF-8";
            }
            out.collect(raw);
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }

    /** Writes OutRecord.value to OutRecord.topic with key question_id. No partition, and no partitioner.class
     *  on the sink: the Kafka client's default (murmur2 of the key bytes) places it, as librdkafka's
     *  murmur2_random does for the C producers (docs/messages.md, Partitioning). */
    static final class OutSerializer implements KafkaRecordSerializationSchema<OutRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public ProducerRecord<byte[], byte[]> serialize(OutRecord r, KafkaSinkContext ctx, Long ts) {
            return new ProducerRecord<>(r.topic, r.key.getBytes(StandardCharsets.UTF_8),
                    r.value.getBytes(StandardCharsets.UTF_8));
        }
    }

    public static KafkaSource<RawRecord> source(JobConfig c) {
        OffsetsInitializer start;
        if (c.startingOffsets.startsWith("timestamp:")) {
            start = OffsetsInitializer.timestamp(Long.parseLong(c.startingOffsets.substring("timestamp:".length())));
        } else {
            start = switch (c.startingOffsets) {
                case "earliest" -> OffsetsInitializer.earliest();
                case "latest" -> OffsetsInitializer.latest();
                default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            };
        }
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(c.brokers)
                .setTopics(c.inputTopic)
                .setGroupId(c.groupId)
                .setClientIdPrefix(c.groupId)
                .setStartingOffsets(start)
                .setDeserializer(new RawDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("fetch.max.wait.ms", "100")
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    public static KafkaSink<OutRecord> sink(JobConfig c) {
        var b = KafkaSink.<OutRecord>builder()
                .setBootstrapServers(c.brokers)
                .setRecordSerializer(new OutSerializer())
                .setProperty("linger.ms", Long.toString(c.lingerMs))
                .setProperty("acks", "all")
                .setProperty("enable.idempotence", "true");
        if (c.exactlyOnce()) {
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(c.groupId + "-tx")
                    .setProperty("transaction.timeout.ms", "600000");
        } else {
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return b.build();
    }
}
