package workspace

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slipway/slipway/internal/pool"
)

// recordingPicker remembers the keys it was asked for.
type recordingPicker struct {
	mu   sync.Mutex
	keys []string
}

func (p *recordingPicker) Pick(key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, key)
	return "tcp://daemon-" + string(rune('a'+len(key)%3)) + ":1234"
}

func TestRunGoesOnAfterAFailureAndReportsTheWorst(t *testing.T) {
	var tasks []Task
	for _, n := range []string{"a", "b", "c", "d"} {
		tasks = append(tasks, Task{Service: Service{Name: n, Path: "svc/" + n}, Key: pool.Key{Repo: "github.com/acme/shop", Path: "svc/" + n}})
	}
	tasks[3].Skip = "no change since HEAD~1"
	var started []string
	var mu sync.Mutex
	step := func(_ context.Context, tk Task, builder string) Result {
		mu.Lock()
		started = append(started, tk.Service.Name)
		mu.Unlock()
		if tk.Service.Name == "b" {
			return Result{Status: StatusFailed, Code: 1, Detail: "boom\nsecond line"}
		}
		return Result{Status: StatusOK, Digest: "sha256:" + strings.Repeat(tk.Service.Name, 64)}
	}
	pick := &recordingPicker{}
	var done []string
	rs := Run(context.Background(), tasks, 1, pick, step, func(r Result) { done = append(done, r.Service) })
	if strings.Join(started, ",") != "a,b,c" {
		t.Errorf("started %v, want a,b,c in order (d unchanged)", started)
	}
	if len(rs) != 4 || rs[0].Status != StatusOK || rs[1].Status != StatusFailed || rs[2].Status != StatusOK || rs[3].Status != StatusUnchanged {
		t.Fatalf("results %+v", rs)
	}
	if Worst(rs) != 1 {
		t.Errorf("worst %d, want 1", Worst(rs))
	}
	if len(pick.keys) != 3 || pick.keys[0] != (pool.Key{Repo: "github.com/acme/shop", Path: "svc/a"}).String() {
		t.Errorf("picker saw %v", pick.keys)
	}
	if rs[0].Builder == "" || rs[3].Builder != "" {
		t.Errorf("builders %q %q", rs[0].Builder, rs[3].Builder)
	}
	if len(done) != 4 {
		t.Errorf("done called %d times", len(done))
	}
	var b bytes.Buffer
	if err := WriteTable(&b, rs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"SERVICE", "b        failed", "boom", "4 service(s): 2 ok, 1 unchanged, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "second line") {
		t.Errorf("a detail's second line reached the table:\n%s", out)
	}
}

func TestRunAfterAnInterruptStartsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	rs := Run(ctx, []Task{{Service: Service{Name: "a", Path: "a"}}}, 2, Single("unix:///x"), func(context.Context, Task, string) Result {
		ran = true
		return Result{Status: StatusOK}
	}, nil)
	if ran || rs[0].Status != StatusCanceled || Worst(rs) != 130 {
		t.Fatalf("ran=%v %+v", ran, rs)
	}
}
