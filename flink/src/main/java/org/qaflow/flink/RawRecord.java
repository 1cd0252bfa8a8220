// RawRecord: a Kafka record as read (key, value text, position), before it is decoded.
package org.qaflow.flink;

/** What the KafkaSource hands to the parser; decoding errors are handled there, not in the source. */
public class RawRecord {
    public String key;
    public String value;
    public int partition;
    public long offset;
    /** Why the bytes cannot be a message at all (not UTF-8), or null. */
    public String error;

    public RawRecord() { }

    public RawRecord(String key, String value, int partition, long offset) {
        this.key = key;
        this.value = value;
        this.partition = partition;
        this.offset = offset;
    }
}
