package generate_test

import (
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/templates"
)

// nodeGoldenCases are the shapes of real Node services (issue 9): a native
// addon compiled in the build stage, an .npmrc with a token variable, a
// Next.js app run with `next start`, a start script with node flags, and a
// monorepo service built from the repository root (service_dir) with a
// shared folder or the whole context.
func nodeGoldenCases(set *templates.Set) []goldenCase {
	base := func() config.Project {
		p := goldenProject("node", "npm", set.Bases[set.Manifests["node"].DefaultBase])
		p.Secrets = nil
		return p
	}
	addon := base()
	addon.BuildPackages = []string{"python3", "make", "g++"}
	addon.BuildCommand = []string{"npm", "rebuild"}

	npmrc := base()
	npmrc.Npmrc = true
	npmrc.Secrets = []config.Secret{{ID: "npm_token", Env: "NPM_TOKEN"}}

	next := base()
	next.Main = "node_modules/next/dist/bin/next"
	next.Cmd = []string{"start"}
	next.Port = 3000
	next.Healthcheck = config.Healthcheck{HTTPPath: "/api/health"}

	flags := base()
	flags.Main = "dist/main.js"
	flags.Cmd = []string{"--mode", "api"}
	flags.Env = map[string]string{"NODE_OPTIONS": "--enable-source-maps --require ./tracing.js"}

	mono := base()
	mono.Main = "index.js"
	mono.ServiceDir, mono.SharedPaths = "src/payment", []string{"pb"}
	mono.PortEnv = "PAYMENT_PORT"
	whole := mono
	whole.SharedPaths = nil

	return []goldenCase{
		{file: "node-shape-service-dir", project: mono, ignore: "node-shape-service-dir"},
		{file: "node-shape-whole-context", project: whole},
		{file: "node-shape-native-addon", project: addon},
		{file: "node-shape-npmrc", project: npmrc, ignore: "node-shape-npmrc"},
		{file: "node-shape-nextjs", project: next},
		{file: "node-shape-start-flags", project: flags},
	}
}
