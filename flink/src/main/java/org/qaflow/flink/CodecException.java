// CodecException: a Kafka message that does not follow the contract.
package org.qaflow.flink;

/** Thrown when a message is not JSON or a field is missing or of the wrong type. */
public class CodecException extends Exception {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }
}
