package com.example.appengine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;

/** A greeting service on the JDK's built-in HTTP server. */
public final class Main {
  private Main() {}

  private static void send(HttpExchange t, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    t.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    t.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = t.getResponseBody()) {
      os.write(bytes);
    }
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    Instant started = Instant.now();
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/", t -> send(t, 200, "Hello from the JDK's HTTP server!\n"));
    server.createContext("/health", t -> send(t, 200, "ok since " + started + "\n"));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println("listening on :" + port);
  }
}
