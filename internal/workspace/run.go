package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/slipway/slipway/internal/pool"
	"github.com/slipway/slipway/internal/textsafe"
)

// Picker chooses the BuildKit daemon of a build from its stable key. A
// pool of daemons hashes the key onto its ring; one daemon is Single.
type Picker interface {
	Pick(key string) (addr string)
}

// Single is a pool of one: every key goes to the same address.
type Single string

// Pick returns the one address.
func (s Single) Pick(string) string { return string(s) }

// Statuses of a service in a summary.
const (
	StatusOK        = "ok"        // built, verified, linted clean, up to date
	StatusFailed    = "failed"    // the step failed (exit 1)
	StatusInvalid   = "invalid"   // bad input: its slipway.toml, Dockerfile, flags (exit 2)
	StatusDrift     = "drift"     // generate --check: files differ (exit 1)
	StatusFindings  = "findings"  // lint: findings at or above the severity (exit 1)
	StatusUnchanged = "unchanged" // --changed-since: nothing it is made from changed
	StatusCanceled  = "canceled"  // interrupted (exit 130)
)

// Result is one service's row of a summary and its JSON object.
type Result struct {
	Service string `json:"service"`
	Path    string `json:"path"`
	Key     string `json:"key"`
	Builder string `json:"builder"`
	Digest  string `json:"digest"`
	Status  string `json:"status"`
	// Code is the exit code the single-service command gave.
	Code int `json:"exit_code"`
	// Detail says why: the error, the changed file, the image written.
	Detail  string  `json:"detail,omitempty"`
	Seconds float64 `json:"seconds"`
	// Output is what the command printed, kept for a failure's report.
	Output string `json:"-"`
}

// Task is one service's work for Run.
type Task struct {
	Service Service
	Key     pool.Key
	// Skip, when set, is the reason the service is not run (unchanged).
	Skip string
	// Reason is why it is run (the file that changed): the start of the
	// row's detail.
	Reason string
}

// Step runs the command for one service on the picked builder; it returns
// the row with at least Status, Code and Detail filled.
type Step func(ctx context.Context, t Task, builder string) Result

// Run runs step for each task, jobs at a time, and returns one result per
// task in the tasks' order. A failing service does not stop the others;
// an interrupt stops the ones not yet started (canceled).
func Run(ctx context.Context, tasks []Task, jobs int, pick Picker, step Step, done func(Result)) []Result {
	if jobs < 1 {
		jobs = 1
	}
	out := make([]Result, len(tasks))
	var mu sync.Mutex
	report := func(r Result) {
		if done != nil {
			mu.Lock()
			done(r)
			mu.Unlock()
		}
	}
	// Workers take the tasks in order, so the first services of the file
	// start first.
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, max(len(tasks), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := tasks[i]
				r := Result{Status: StatusCanceled, Code: 130, Detail: "not started: interrupted"}
				if ctx.Err() == nil {
					builder := ""
					if pick != nil {
						builder = pick.Pick(t.Key.String())
					}
					start := time.Now()
					r = step(ctx, t, builder)
					r.Builder = builder
					r.Seconds = time.Since(start).Round(10 * time.Millisecond).Seconds()
					switch {
					case r.Detail == "":
						r.Detail = t.Reason
					case t.Reason != "":
						r.Detail = t.Reason + "; " + r.Detail
					}
				}
				r.Service, r.Path, r.Key = t.Service.Name, t.Service.Path, t.Key.Label()
				out[i] = r
				report(r)
			}
		}()
	}
	for i, t := range tasks {
		if t.Skip != "" {
			r := Result{Service: t.Service.Name, Path: t.Service.Path, Key: t.Key.Label(), Status: StatusUnchanged, Detail: t.Skip}
			out[i] = r
			report(r)
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// Worst is the exit code of a run: the highest of the services' (130 for
// an interrupt, 2 for bad input, 1 for a failure).
func Worst(rs []Result) int {
	w := 0
	for _, r := range rs {
		if r.Code > w {
			w = r.Code
		}
	}
	return w
}

// WriteTable prints the summary: one row per service.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATUS\tBUILDER\tDIGEST\tTIME\tDETAIL")
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.Status]++
		builder, digest, took := r.Builder, r.Digest, "-"
		if builder == "" {
			builder = "-"
		}
		if digest == "" {
			digest = "-"
		}
		if r.Status != StatusUnchanged && r.Status != StatusCanceled {
			took = fmt.Sprintf("%.1fs", r.Seconds)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(r.Service), r.Status, cell(builder), cell(digest), took, cell(firstLine(r.Detail)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, s := range []string{StatusOK, StatusUnchanged, StatusDrift, StatusFindings, StatusFailed, StatusInvalid, StatusCanceled} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	_, err := fmt.Fprintf(w, "%d service(s): %s\n", len(rs), strings.Join(parts, ", "))
	return err
}

// WriteJSON prints the summary as a JSON array, one object per service.
func WriteJSON(w io.Writer, rs []Result) error {
	if rs == nil {
		rs = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// cell escapes a value from the repository or a daemon for a table cell.
func cell(s string) string {
	return strings.ReplaceAll(textsafe.String(s), "\t", `\t`)
}
