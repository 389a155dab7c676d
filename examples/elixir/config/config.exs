import Config

# One line per event, no colour codes: container logs are read by machines.
config :logger, :console, format: "$time [$level] $message\n", colors: [enabled: false]
