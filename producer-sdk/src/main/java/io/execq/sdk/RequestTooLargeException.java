package io.execq.sdk;

/**
 * A request whose serialized form is larger than the producer may send (its {@code max.request.size}, 16 MiB by
 * default, matching the broker's {@code max.message.bytes}). Raised before anything is sent: shrink the stdin or the
 * files, or ship them another way.
 */
public class RequestTooLargeException extends IllegalArgumentException {

    private final String requestId;
    private final long serializedBytes;
    private final long maxBytes;

    public RequestTooLargeException(String requestId, long serializedBytes, long maxBytes) {
        super("request " + requestId + " is " + serializedBytes + " bytes serialized, over the limit of " + maxBytes
                + " bytes (max.request.size)");
        this.requestId = requestId;
        this.serializedBytes = serializedBytes;
        this.maxBytes = maxBytes;
    }

    public String requestId() {
        return requestId;
    }

    /** The record's size as the producer would count it: key, value and record overhead. */
    public long serializedBytes() {
        return serializedBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
