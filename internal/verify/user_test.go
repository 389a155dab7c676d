package verify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/slipway/slipway/internal/userspec"
)

// TestUserSpellingsUnderRunc runs the test service under runc with its
// image User spelled in each way a runtime reads as a number (and as a
// name a passwd file makes ambiguous), and checks that verify's non-root
// verdict agrees with the uid runc really gave the process (read from
// /proc by the check) and with userspec, the parser lint and scan use.
func TestUserSpellingsUnderRunc(t *testing.T) {
	needRunc(t)
	const passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n" +
		"app:x:10001:10001::/:/sbin/nologin\napp:x:0:0::/:/sbin/nologin\n"
	bin := string(svcBinary(t))
	for _, tc := range []struct {
		user    string
		runAs   string // uid:gid verify gives runc
		nonRoot Status
		detail  string
	}{
		{"0", "0:0", Fail, "runs as uid [0 0 0 0]"},
		{"00", "0:0", Fail, "runs as uid [0 0 0 0]"},
		{"+0", "0:0", Fail, "runs as uid [0 0 0 0]"},
		{"-0", "0:0", Fail, "runs as uid [0 0 0 0]"},
		{"4294967296", "0:0", Fail, "runs as uid [0 0 0 0]"},
		{"0:0", "0:0", Fail, "runs as uid [0 0 0 0]"},
		{"4294967297:65532", "1:65532", Pass, "uid 1 "},
		{"065532", "65532:65532", Pass, "uid 65532 "},
		{"app", "10001:10001", Fail, "lines [3 4] with uids [10001 0]"}, // runc took line 3; line 4 is root
	} {
		t.Run(tc.user, func(t *testing.T) {
			cfg := goodConfig()
			cfg.User = tc.user
			img, err := mutate.Config(imageOf(t, tarOf(t,
				dir("app/", 0o755), file("app/svc", 0o755, 0, 0, bin), dir("etc/", 0o755),
				file("etc/passwd", 0o644, 0, 0, passwd), file("etc/group", 0o644, 0, 0, "root:x:0:\nnonroot:x:65532:\n"),
			)), cfg)
			if err != nil {
				t.Fatal(err)
			}
			img = withPlatform(t, img, cfg)
			rep, err := Run(context.Background(), Options{Image: writeLayout(t, img), WorkDir: t.TempDir(), Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			row := rep.Row(CheckNonRoot)
			t.Logf("%s: run as %s: %s %s", tc.user, rep.RunAs, row.Status, row.Detail)
			if rep.RunAs != tc.runAs || row.Status != tc.nonRoot || !strings.Contains(row.Detail, tc.detail) {
				t.Errorf("User %q: run as %q, non-root %s %q; want %q, %s with %q", tc.user, rep.RunAs, row.Status, row.Detail, tc.runAs, tc.nonRoot, tc.detail)
			}
			// userspec, which lint and scan judge with, reads the same uid.
			sp, err := userspec.Parse(tc.user)
			if err != nil {
				t.Fatal(err)
			}
			r, err := userspec.Resolve(sp, []byte(passwd), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%d:", r.UID); !strings.HasPrefix(rep.RunAs, got) {
				t.Errorf("userspec resolves %q to uid %d, verify ran it as %s", tc.user, r.UID, rep.RunAs)
			}
			if (tc.nonRoot == Fail) != r.AnyRoot() {
				t.Errorf("userspec AnyRoot=%v for %q, verify non-root %s", r.AnyRoot(), tc.user, row.Status)
			}
		})
	}
}

func withPlatform(t *testing.T, img v1.Image, cfg v1.Config) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
