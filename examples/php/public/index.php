<?php

declare(strict_types=1);

// The front controller: Apache sends every request for a missing file here
// (FallbackResource). Apache owns the port ($PORT is the server's, 8080 by
// default) and SIGTERM: it stops its workers and exits.
require __DIR__ . '/../vendor/autoload.php';

[$status, $type, $body] = Hello\App::handle($_SERVER['REQUEST_METHOD'] ?? 'GET', $_SERVER['REQUEST_URI'] ?? '/');
http_response_code($status);
header('Content-Type: ' . $type);
echo $body;
