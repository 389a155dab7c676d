package dev.slipway.hello;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Tiny HTTP service used as a slipway example.
 *
 * <p>Listens on 0.0.0.0:$PORT (default 8080) and serves GET / and GET /healthz. With
 * {@code --healthcheck} it probes http://127.0.0.1:$PORT/healthz and exits 0 if healthy.
 */
public final class Main {
    private Main() {}

    static int port() {
        String p = System.getenv("PORT");
        return (p == null || p.isBlank()) ? 8080 : Integer.parseInt(p.trim());
    }

    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            if (arg.equals("--healthcheck")) {
                System.exit(healthcheck());
            }
        }

        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", port()), 0);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/", Main::handle);

        // SIGTERM/SIGINT run shutdown hooks: stop accepting, drain for up to 1 s.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("hello-java shutting down");
            server.stop(1);
            executor.shutdown();
        }));

        server.start();
        System.out.println("hello-java listening on 0.0.0.0:" + port());
    }

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
            } else if (path.equals("/")) {
                send(ex, 200, "application/json", "{\"message\":\"hello from java\"}\n");
            } else if (path.equals("/healthz")) {
                send(ex, 200, "text/plain; charset=utf-8", "ok");
            } else {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n");
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    static int healthcheck() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/healthz"))
                        .timeout(Duration.ofSeconds(2))
                        .GET()
                        .build();
        try {
            HttpResponse<Void> resp = client.send(req, HttpResponse.BodyHandlers.discarding());
            return resp.statusCode() == 200 ? 0 : 1;
        } catch (IOException | InterruptedException e) {
            System.err.println("healthcheck: " + e);
            return 1;
        }
    }
}
