# frozen_string_literal: true

# hello-ruby: a small HTTP/1.1 service on Ruby's standard library.
#
#   GET /        a JSON greeting
#   GET /healthz 200 ok
#
# It listens on 0.0.0.0:$PORT (default 8080), answers each connection in
# its own thread, and on SIGTERM or SIGINT stops accepting, lets the
# requests in flight finish, and exits 0. `ruby app.rb --healthcheck`
# GETs /healthz on 127.0.0.1:$PORT and exits 0 on 200, 1 otherwise.

require "json"
require "net/http"
require "socket"

PORT = Integer(ENV.fetch("PORT", "8080"))
STATUS = { 200 => "OK", 404 => "Not Found", 405 => "Method Not Allowed", 400 => "Bad Request" }.freeze

def healthcheck
  res = Net::HTTP.start("127.0.0.1", PORT, open_timeout: 2, read_timeout: 2) { |h| h.get("/healthz") }
  exit(res.code == "200" ? 0 : 1)
rescue StandardError
  exit 1
end

def respond(client, status, type, body)
  client.write("HTTP/1.1 #{status} #{STATUS.fetch(status)}\r\n" \
               "Content-Type: #{type}\r\nContent-Length: #{body.bytesize}\r\n" \
               "Connection: close\r\n\r\n#{body}")
end

def handle(client)
  request_line = client.gets("\r\n", 8192)
  return respond(client, 400, "text/plain", "bad request\n") if request_line.nil?

  method, target, = request_line.split(" ", 3)
  # Drain the headers; the service reads no body.
  while (line = client.gets("\r\n", 8192)) && line != "\r\n"; end
  path = target.to_s.split("?", 2).first
  return respond(client, 405, "text/plain", "method not allowed\n") unless %w[GET HEAD].include?(method)

  case path
  when "/"
    respond(client, 200, "application/json", JSON.generate(service: "hello-ruby", message: "hello from slipway", ruby: RUBY_VERSION) + "\n")
  when "/healthz"
    respond(client, 200, "text/plain", "ok\n")
  else
    respond(client, 404, "text/plain", "not found\n")
  end
rescue IOError, SystemCallError
  nil # the client went away
ensure
  client.close
end

healthcheck if ARGV.include?("--healthcheck")

server = TCPServer.new("0.0.0.0", PORT)
$stdout.sync = true
puts "hello-ruby listening on 0.0.0.0:#{PORT}"

stop = false
%w[TERM INT].each { |sig| trap(sig) { stop = true } }

workers = []
until stop
  ready = IO.select([server], nil, nil, 0.5)
  next unless ready

  begin
    client = server.accept_nonblock
  rescue IO::WaitReadable, Errno::EINTR
    next
  end
  workers << Thread.new(client) { |c| handle(c) }
  workers.select!(&:alive?)
end

server.close
workers.each { |t| t.join(5) }
puts "hello-ruby stopped"
