package wizard

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/slipway/slipway/internal/config"
)

// send feeds msg to the form and then the messages its commands produce
// (a batch is opened), as bubbletea's loop would; a command that does not
// answer at once (a cursor blink's timer) is dropped.
func send(f *huh.Form, msg tea.Msg) {
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0 && n < 100; n++ {
		m := queue[0]
		queue = queue[1:]
		if b, ok := m.(tea.BatchMsg); ok {
			for _, c := range b {
				queue = append(queue, run(c)...)
			}
			continue
		}
		_, cmd := f.Update(m)
		queue = append(queue, run(cmd)...)
	}
}

func run(c tea.Cmd) []tea.Msg {
	if c == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		if m == nil {
			return nil
		}
		return []tea.Msg{m}
	case <-time.After(20 * time.Millisecond):
		return nil
	}
}

func focused(f *huh.Form) string { return f.GetFocusedField().GetKey() }

// The project questions are one form, one group per question: Enter moves
// on, Shift+Tab goes back to the previous question, an invalid answer does
// not move on, and questions after the language follow the language picked.
func TestFormGoesBack(t *testing.T) {
	set := loadSet(t)
	var out bytes.Buffer
	o := options(set, "", &out)
	o.Accessible = false
	p := config.Project{Name: "Bad Name!", Language: "go"}
	w := &wizard{ctx: context.Background(), p: &p, o: o}
	f, _ := w.projectForm()
	if f == nil {
		t.Fatal("no form")
	}
	enter := tea.KeyMsg{Type: tea.KeyEnter}
	back := tea.KeyMsg{Type: tea.KeyShiftTab}
	send(f, f.Init())
	if got := focused(f); got != KeyName {
		t.Fatalf("first question %q, want %q", got, KeyName)
	}
	send(f, enter)
	if got := focused(f); got != KeyName {
		t.Fatalf("an invalid name moved on to %q", got)
	}
	// Clear the name and type a valid one.
	for range len(p.Name) {
		send(f, tea.KeyMsg{Type: tea.KeyBackspace})
	}
	send(f, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("api")})
	send(f, enter)
	if got := focused(f); got != KeyLanguage {
		t.Fatalf("after the name: %q, want %q", got, KeyLanguage)
	}
	send(f, back)
	if got := focused(f); got != KeyName {
		t.Fatalf("Shift+Tab from the language went to %q, want %q", got, KeyName)
	}
	if p.Name != "api" {
		t.Errorf("going back lost the name: %q", p.Name)
	}
	send(f, enter) // name
	send(f, enter) // language: go, as detected
	if got := focused(f); got != KeyVersion {
		t.Fatalf("after the language: %q, want %q", got, KeyVersion)
	}
	// Go has one package manager: Enter on the version skips that question.
	send(f, enter)
	if got := focused(f); got != KeyMain {
		t.Fatalf("after the version of a go project: %q, want %q", got, KeyMain)
	}
	send(f, back)
	send(f, back)
	if got := focused(f); got != KeyLanguage {
		t.Fatalf("two Shift+Tabs from main went to %q, want %q", got, KeyLanguage)
	}
	// Pick node: its package managers are asked, its versions offered.
	for p.Language != "node" {
		before := p.Language
		send(f, tea.KeyMsg{Type: tea.KeyDown})
		if p.Language == before {
			t.Fatalf("no node among the languages (stuck at %q)", before)
		}
	}
	send(f, enter)
	if p.Version != set.Manifests["node"].DefaultVersion {
		t.Errorf("version after picking node = %q, want node's default %q", p.Version, set.Manifests["node"].DefaultVersion)
	}
	send(f, enter)
	if got := focused(f); got != KeyPackageManager {
		t.Fatalf("after the version of a node project: %q, want %q", got, KeyPackageManager)
	}
	if p.PackageManager != config.PackageManagers["node"][0] {
		t.Errorf("package manager default %q", p.PackageManager)
	}
}

// The healthcheck is part of the one form: its detail question shows for
// the kind picked, Shift+Tab goes back from it to the kind and on to the
// port, and the submitted answers reach the project.
func TestFormHealthcheckGoesBack(t *testing.T) {
	set := loadSet(t)
	o := options(set, "", &bytes.Buffer{})
	o.Accessible = false
	o.Given = map[string]bool{KeySecret: true}
	o.Hints = Hints{HealthPath: "/healthz", HealthFlag: "-healthcheck"}
	p := config.Project{Name: "api", Language: "go", Version: set.Manifests["go"].DefaultVersion, Main: "./cmd/api", Port: 8080}
	w := &wizard{ctx: context.Background(), p: &p, o: o}
	f, port := w.projectForm()
	enter := tea.KeyMsg{Type: tea.KeyEnter}
	back := tea.KeyMsg{Type: tea.KeyShiftTab}
	send(f, f.Init())
	for _, k := range []string{KeyName, KeyLanguage, KeyVersion, KeyMain, KeyBase, KeyPort} {
		if got := focused(f); got != k {
			t.Fatalf("focused %q, want %q", got, k)
		}
		send(f, enter)
	}
	if got := focused(f); got != KeyHealthcheck {
		t.Fatalf("after the port: %q", got)
	}
	send(f, enter) // http, suggested by the detected path
	if got := focused(f); got != "healthcheck.http_path" {
		t.Fatalf("after the kind http: %q", got)
	}
	send(f, back)
	if got := focused(f); got != KeyHealthcheck {
		t.Fatalf("Shift+Tab from the path went to %q", got)
	}
	send(f, back)
	if got := focused(f); got != KeyPort {
		t.Fatalf("Shift+Tab from the healthcheck went to %q", got)
	}
	send(f, enter)
	send(f, tea.KeyMsg{Type: tea.KeyDown}) // command
	send(f, enter)
	if got := focused(f); got != "healthcheck.command" {
		t.Fatalf("after the kind command: %q", got)
	}
	send(f, enter)
	if f.State != huh.StateCompleted {
		t.Fatalf("form state %v after the last question", f.State)
	}
	w.formDone(*port)
	if want := []string{"/app/api", "-healthcheck"}; !slices.Equal(p.Healthcheck.Command, want) || p.Healthcheck.HTTPPath != "" {
		t.Errorf("healthcheck %+v, want the command %q", p.Healthcheck, want)
	}
	if p.Port != 8080 || p.Base != set.Manifests["go"].DefaultBase {
		t.Errorf("port %d, base %q", p.Port, p.Base)
	}
}

// The first secret question closes the one form: Shift+Tab goes back from
// it, and its answer is what the secret questions after the form start
// from.
func TestFormSecretQuestion(t *testing.T) {
	set := loadSet(t)
	o := options(set, "", &bytes.Buffer{})
	o.Accessible = false
	o.Given = map[string]bool{KeyName: true, KeyLanguage: true, KeyVersion: true, KeyMain: true, KeyBase: true, KeyHealthcheck: true}
	p := config.Project{Name: "api", Language: "go", Secrets: []config.Secret{{ID: "netrc", Env: "NETRC"}}}
	w := &wizard{ctx: context.Background(), p: &p, o: o}
	f, _ := w.projectForm()
	send(f, f.Init())
	send(f, tea.KeyMsg{Type: tea.KeyEnter})
	if got := focused(f); got != KeySecret {
		t.Fatalf("after the port: %q", got)
	}
	if v := f.View(); !strings.Contains(v, "Add another build secret?") || !strings.Contains(v, "netrc") {
		t.Errorf("the secret question does not name the declared secret:\n%s", v)
	}
	send(f, tea.KeyMsg{Type: tea.KeyShiftTab})
	if got := focused(f); got != KeyPort {
		t.Fatalf("Shift+Tab from the secret question went to %q", got)
	}
	send(f, tea.KeyMsg{Type: tea.KeyEnter})
	send(f, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	if f.State != huh.StateCompleted || !w.addSecret {
		t.Fatalf("state %v, add a secret %v; want completed, true", f.State, w.addSecret)
	}
}
