// OutRecord: one message the job produces (topic, key = question_id, JSON value).
package org.qaflow.flink;

/** A record for the KafkaSink: the topic is chosen per record. */
public class OutRecord {
    public String topic;
    public String key;
    public String value;

    public OutRecord() { }

    public OutRecord(String topic, String key, String value) {
        this.topic = topic;
        this.key = key;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + " " + key + " " + value;
    }
}
