package io.execq.executor.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /health/live}, {@code /health/ready} and {@code /metrics}, for orchestrators and Prometheus, on loopback by
 * default ({@code --http-host}).
 * Live: the consumer loop is running. Ready: the loop holds its group membership and an allowed sandbox is available;
 * otherwise 503 with the reasons, one per line.
 */
public final class HealthServer implements AutoCloseable {

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    public HealthServer(InetAddress host, int port, BooleanSupplier live, Supplier<List<String>> notReadyReasons,
                        Supplier<String> metrics) {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen for health checks on " + host.getHostAddress() + ":" + port,
                    e);
        }
        server.createContext("/health/live", exchange -> respond(exchange,
                live.getAsBoolean() ? 200 : 503, TEXT, live.getAsBoolean() ? "live\n" : "consumer loop stopped\n"));
        server.createContext("/health/ready", exchange -> {
            List<String> reasons = notReadyReasons.get();
            respond(exchange, reasons.isEmpty() ? 200 : 503, TEXT,
                    reasons.isEmpty() ? "ready\n" : String.join("\n", reasons) + "\n");
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200, PROMETHEUS, metrics.get()));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "execq-health-http");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address and port listened on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
