<?php

declare(strict_types=1);

namespace Hello;

/**
 * App routes one request: GET / answers a JSON greeting, GET /healthz
 * answers "ok"; anything else is 404 and other methods 405.
 */
final class App
{
    /** @return array{int, string, string} status, content type, body */
    public static function handle(string $method, string $uri): array
    {
        $path = parse_url($uri, PHP_URL_PATH) ?: '/';
        if ($method !== 'GET' && $method !== 'HEAD') {
            return [405, 'text/plain', "method not allowed\n"];
        }
        return match ($path) {
            '/' => [200, 'application/json', json_encode([
                'message' => 'hello from slipway',
                'language' => 'php',
                'version' => PHP_VERSION,
            ], JSON_THROW_ON_ERROR) . "\n"],
            '/healthz' => [200, 'text/plain', "ok\n"],
            default => [404, 'text/plain', "not found\n"],
        };
    }
}
