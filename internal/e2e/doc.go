// Package e2e holds slipway's end-to-end tests: every example service is
// rendered, built through BuildKit in the lab, and verified by running it.
// They need the lab (see internal/lab) and root with runc; without the lab
// they skip, and under CI=true they fail.
package e2e
