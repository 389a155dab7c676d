package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/docker/go-units"

	"github.com/slipway/slipway/internal/build"
)

// Machine are the facts that numbers depend on.
type Machine struct {
	Cores       int    `json:"cores"`
	CPU         string `json:"cpu,omitempty"`
	Memory      string `json:"memory,omitempty"`
	OS          string `json:"os"`
	Go          string `json:"go"`
	BuildKit    string `json:"buildkit"`
	LoadAtStart string `json:"load_at_start,omitempty"`
}

func machineFacts(ctx context.Context, env *Env) Machine {
	m := Machine{
		Cores: runtime.NumCPU(),
		OS:    runtime.GOOS + "/" + runtime.GOARCH,
		Go:    runtime.Version(),
	}
	info, err := daemonInfo(ctx, env)
	if err != nil {
		m.BuildKit = "unknown (" + err.Error() + ")"
	} else {
		m.BuildKit = info.Version
		if info.Revision != "" {
			m.BuildKit += " (" + info.Revision + ")"
		}
	}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		if _, err := fmt.Sscanf(kb, "%d kB", &n); err == nil {
			m.Memory = units.BytesSize(float64(n * 1024))
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAtStart = strings.Join(f[:3], " ")
		}
	}
	return m
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// printReport writes the final report: machine facts, each section's
// tables and notes, and every target with PASS/FAIL.
func printReport(w io.Writer, m Machine, reports []report, total time.Duration) {
	rule := strings.Repeat("=", 78)
	fmt.Fprintln(w, rule)
	fmt.Fprintln(w, "slipway benchmarks")
	fmt.Fprintln(w, rule)
	writeTable(w, Table{Header: []string{"machine", "value"}, Rows: [][]string{
		{"cores", fmt.Sprint(m.Cores)},
		{"cpu", orDash(m.CPU)},
		{"memory", orDash(m.Memory)},
		{"os/arch", m.OS},
		{"go", m.Go},
		{"buildkit", m.BuildKit},
		{"load avg at start", orDash(m.LoadAtStart)},
		{"bench wall time", total.Round(time.Second).String()},
	}})
	var targets []Target
	for _, r := range reports {
		fmt.Fprintf(w, "\n## %s (%s, %s)\n", r.Title, r.Section, r.Duration.Round(time.Second))
		if r.Err != "" {
			fmt.Fprintf(w, "ERROR: %s\n", r.Err)
		}
		if r.Result == nil {
			continue
		}
		for _, t := range r.Result.Tables {
			fmt.Fprintln(w)
			writeTable(w, t)
		}
		for _, n := range r.Result.Notes {
			fmt.Fprintf(w, "%s\n", wrap("- "+n, "  ", 100))
		}
		targets = append(targets, r.Result.Targets...)
	}
	if len(targets) > 0 {
		fmt.Fprintf(w, "\n## Targets\n\n")
		t := Table{Header: []string{"target", "want", "got", "result"}}
		pass := 0
		for _, g := range targets {
			res := "FAIL"
			if g.Pass {
				res = "PASS"
				pass++
			}
			t.Rows = append(t.Rows, []string{g.Name, g.Want, g.Got, res})
		}
		writeTable(w, t)
		fmt.Fprintf(w, "\n%d of %d targets met\n", pass, len(targets))
	}
}

// writeTable prints t with aligned columns; numbers are right-aligned by
// their column's width.
func writeTable(w io.Writer, t Table) {
	if t.Title != "" {
		fmt.Fprintln(w, t.Title)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	line(t.Header)
	seps := make([]string, len(t.Header))
	for i, h := range t.Header {
		seps[i] = strings.Repeat("-", max(utf8.RuneCountInString(h), 3))
	}
	line(seps)
	for _, r := range t.Rows {
		line(r)
	}
	tw.Flush()
}

// wrap breaks s at spaces so lines stay under width, indenting the
// continuation lines.
func wrap(s, indent string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(word) > width {
				b.WriteString("\n" + indent)
				n = len(indent)
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mb formats bytes in decimal megabytes (1 MB = 1,000,000 bytes), as
// image sizes are usually quoted.
func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

// ratio formats a/b as "12.3x".
func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	r := a / b
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0fx", r)
	case r >= 10:
		return fmt.Sprintf("%.1fx", r)
	}
	return fmt.Sprintf("%.2fx", r)
}

// secs formats a duration in seconds with one decimal.
func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f ms", float64(d)/1e6)
}

func daemonInfo(ctx context.Context, env *Env) (build.DaemonInfo, error) {
	cl, err := env.Builder(ctx)
	if err != nil {
		return build.DaemonInfo{}, err
	}
	return cl.Info(ctx)
}
