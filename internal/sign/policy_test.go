package sign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

func TestPolicyCheck(t *testing.T) {
	ctx := context.Background()
	reg := testRegistry(t)
	repo, h := pushRandom(t, reg, "golden/base")
	dir, sv, _ := keys(t, canary)
	team := filepath.Join(dir, config.TeamFileName)
	os.WriteFile(team, []byte("[[trusted_key]]\nprefix = \""+reg+"/golden/\"\nkey = \"slipway.pub\"\n"), 0o644)
	tm, err := config.LoadTeam(team)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(tm)
	if err != nil {
		t.Fatal(err)
	}
	if p.Covers(reg + "/other/app:1") {
		t.Fatal("covers a repository outside the prefix")
	}
	if sts, err := p.Check(ctx, reg+"/other/app:1", "", opts); sts != nil || err != nil {
		t.Fatalf("uncovered: %v %v", sts, err)
	}
	_, err = p.Check(ctx, repo+":1", "", opts)
	var re *RefusedError
	if !errors.As(err, &re) || re.Status.Reason != Unsigned || !strings.Contains(err.Error(), "the digest its tag points at now") {
		t.Fatalf("unsigned: %v", err)
	}
	if err := Sign(ctx, repo+"@"+h.String(), sv, opts); err != nil {
		t.Fatal(err)
	}
	sts, err := p.Check(ctx, repo+":1", "", opts)
	if err != nil || len(sts) != 1 || !sts[0].OK() || sts[0].Digest != h.String() {
		t.Fatalf("signed by tag: %+v %v", sts, err)
	}
	if _, err := p.Check(ctx, repo+"@"+h.String(), "", opts); err != nil {
		t.Fatalf("signed by digest: %v", err)
	}
	// The tag re-pushed with an unsigned image: refused, naming the reason.
	_, h2 := pushRandom(t, reg, "golden/base")
	_, err = p.Check(ctx, repo+":1", "", opts)
	if !errors.As(err, &re) || re.Status.Reason != Unsigned || !strings.Contains(err.Error(), h2.String()) {
		t.Fatalf("re-pushed: %v", err)
	}
}
