package io.execq.executor.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Which image a request runs in: the request's image, or the image an operator alias names ({@code python} →
 * {@code execq/python:3.11}), or the default image when the request names none; and whether that image is on the
 * allow-list.
 */
public final class ImagePolicy {

    private final String defaultImage;
    private final Map<String, String> aliases;
    private final List<String> allowedGlobs;
    private final List<Pattern> allowed;

    public ImagePolicy(String defaultImage, Map<String, String> aliases, List<String> allowedGlobs) {
        this.defaultImage = Objects.requireNonNull(defaultImage, "defaultImage");
        this.aliases = Map.copyOf(aliases);
        this.allowedGlobs = List.copyOf(allowedGlobs);
        this.allowed = allowedGlobs.stream().map(ImagePolicy::globToPattern).toList();
    }

    /**
     * The image to run for {@code requested} (null means the default).
     *
     * @throws RequestRejectedException when the resolved image is not allowed
     */
    public String resolve(String requested) throws RequestRejectedException {
        String image = requested == null || requested.isBlank() ? defaultImage
                : aliases.getOrDefault(requested.trim(), requested.trim());
        if (!isAllowed(image)) {
            String shown = image.equals(requested) ? "'" + image + "'" : "'" + image + "' (from '" + requested + "')";
            throw new RequestRejectedException("image " + shown + " is not allowed; allowed: "
                    + String.join(", ", allowedGlobs) + (aliases.isEmpty() ? ""
                    : "; aliases: " + String.join(", ", new java.util.TreeSet<>(aliases.keySet()))));
        }
        return image;
    }

    public boolean isAllowed(String image) {
        return allowed.stream().anyMatch(p -> p.matcher(image).matches());
    }

    /** {@code *} matches any run of characters (including '/' and ':'); everything else is literal. */
    static Pattern globToPattern(String glob) {
        StringJoiner regex = new StringJoiner(".*");
        for (String literal : glob.split("\\*", -1)) {
            regex.add(Pattern.quote(literal));
        }
        return Pattern.compile(regex.toString());
    }
}
