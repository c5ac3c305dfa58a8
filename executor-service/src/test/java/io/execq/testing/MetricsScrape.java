package io.execq.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Reads an executor's {@code /metrics} (Prometheus text) on loopback. */
public final class MetricsScrape {

    private MetricsScrape() {
    }

    /** The whole page. */
    public static String text(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** The sum of every sample of {@code name} (all label sets); 0 when there is none. */
    public static double sum(int port, String name) throws Exception {
        return sum(port, name, java.util.Map.of());
    }

    /** The sum of the samples of {@code name} whose labels include {@code labels}; 0 when there is none. */
    public static double sum(int port, String name, java.util.Map<String, String> labels) throws Exception {
        return text(port).lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .filter(l -> labels.entrySet().stream()
                        .allMatch(e -> l.contains(e.getKey() + "=\"" + e.getValue() + "\"")))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
