package io.execq.executor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthServerTest {

    @Test
    void listensOnTheAddressItIsGiven() throws Exception {
        try (HealthServer loopback = server(InetAddress.getLoopbackAddress());
             HealthServer everywhere = server(InetAddress.getByName("0.0.0.0"))) {
            assertThat(loopback.address().getAddress().isLoopbackAddress()).isTrue();
            assertThat(everywhere.address().getAddress().isAnyLocalAddress()).isTrue();
            // The wildcard address includes loopback, which is all a test may reach.
            assertThat(get(everywhere.port(), "/health/ready").body()).isEqualTo("ready\n");
            assertThat(get(loopback.port(), "/metrics").body()).isEqualTo("execq_up 1\n");
        }
    }

    @Test
    void readinessAnswers503WithTheReasons() throws Exception {
        try (HealthServer server = new HealthServer(InetAddress.getLoopbackAddress(), 0, () -> false,
                () -> List.of("consumer loop stopped", "no allowed sandbox available"), () -> "")) {
            HttpResponse<String> ready = get(server.port(), "/health/ready");
            HttpResponse<String> live = get(server.port(), "/health/live");

            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("consumer loop stopped\nno allowed sandbox available\n");
            assertThat(live.statusCode()).isEqualTo(503);
        }
    }

    private static HealthServer server(InetAddress host) {
        return new HealthServer(host, 0, () -> true, List::of, () -> "execq_up 1\n");
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
