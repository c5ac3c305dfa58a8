package io.execq.executor.sandbox;

/**
 * The requested image is not present and cannot be pulled (pull policy {@code never}, unknown repository, denied,
 * pull timed out). Not retriable: the request names an image this executor cannot provide.
 */
public class ImageUnavailableException extends SandboxException {

    private final String image;

    public ImageUnavailableException(String image, String message, Throwable cause) {
        super("image " + image + " unavailable: " + message, cause);
        this.image = image;
    }

    public String image() {
        return image;
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
