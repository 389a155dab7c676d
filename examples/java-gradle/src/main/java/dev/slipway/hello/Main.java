package dev.slipway.hello;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The Gradle-built slipway example: a greeting service.
 *
 * <p>Serves GET /hello/{name} and GET /healthz on 0.0.0.0:$PORT (8080 when PORT is unset); answers
 * every route from one table. {@code --healthcheck} asks /healthz on the loopback address and exits
 * with 0 only on a 200.
 */
public final class Main {
    private static final Map<String, String> FIXED = Map.of("/healthz", "ok", "/", "try /hello/{name}\n");

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private Main() {}

    static int port() {
        String value = System.getenv().getOrDefault("PORT", "8080").trim();
        return value.isEmpty() ? 8080 : Integer.parseInt(value);
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && "--healthcheck".equals(args[0])) {
            var conn = (HttpURLConnection) new URL("http://127.0.0.1:" + port() + "/healthz").openConnection();
            conn.setConnectTimeout((int) PROBE_TIMEOUT.toMillis());
            conn.setReadTimeout((int) PROBE_TIMEOUT.toMillis());
            try {
                System.exit(conn.getResponseCode() == 200 ? 0 : 1);
            } catch (IOException e) {
                System.exit(1);
            }
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", port()), 16);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String body = FIXED.get(path);
            int status = 200;
            if (body == null && path.startsWith("/hello/") && path.length() > "/hello/".length()) {
                body = "hello, " + path.substring("/hello/".length()) + "\n";
            } else if (body == null) {
                status = 404;
                body = "not found\n";
            }
            if (!"GET".equals(ex.getRequestMethod())) {
                status = 405;
                body = "GET only\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(1)));
        server.start();
        System.out.println("hello (gradle) on port " + port());
    }
}
