package generate_test

import (
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/templates"
)

// healthGoldenCases are the HEALTHCHECKs of real services (issue 9, class
// 8 and 6): an HTTP path on a base with nothing to probe with (slipway's
// static probe, built in its own stage), the standard gRPC health service,
// and a Rust package's own healthcheck binary.
func healthGoldenCases(set *templates.Set) []goldenCase {
	static := goldenProject("go", "", set.Bases["distroless-static"])
	static.Main = "."
	static.Healthcheck = config.Healthcheck{HTTPPath: "/healthz"}

	grpc := goldenProject("go", "", set.Bases["distroless-static"])
	grpc.Main, grpc.Port = ".", 50051
	grpc.Healthcheck = config.Healthcheck{GRPC: true}

	scratch := goldenProject("go", "", set.Bases["scratch"])
	scratch.Main = "."
	scratch.Healthcheck = config.Healthcheck{HTTPPath: "/_healthz", Interval: "10s"}

	bin := goldenProject("rust", "", set.Bases["distroless-cc"])
	bin.Name, bin.Main, bin.Port = "shipping", "shipping", 50050
	bin.Healthcheck = config.Healthcheck{Binary: "healthcheck"}

	gobin := goldenProject("go", "", set.Bases["distroless-static"])
	gobin.Name, gobin.Main = "visits", "./cmd/visits"
	gobin.Healthcheck = config.Healthcheck{Binary: "healthcheck"}

	return []goldenCase{
		{file: "go-health-binary", project: gobin},
		{file: "go-health-probe-distroless-static", project: static},
		{file: "go-health-probe-grpc", project: grpc},
		{file: "go-health-probe-scratch", project: scratch},
		{file: "rust-health-binary", project: bin},
	}
}
