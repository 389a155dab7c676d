package generate_test

import (
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/generate"
)

func TestBuildKitLintFindsProblems(t *testing.T) {
	df := strings.Join([]string{
		"# a comment that does not name the stage",        // 1
		"FROM docker.io/library/debian:bookworm AS Build", // 2: StageNameCasing, InvalidDefinitionDescription (experimental)
		"ARG API_TOKEN=x",                      // 3: SecretsUsedInArgOrEnv
		"RUN echo hi",                          // 4
		"FROM scratch",                         // 5
		"COPY --from=Build /etc/os-release /x", // 6
		"WORKDIR app",                          // 7: WorkdirRelativePath
		"CMD echo hi",                          // 8: JSONArgsRecommended
		"",
	}, "\n")
	warnings, err := generate.BuildKitLint([]byte(df))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, w := range warnings {
		got[w.Rule] = w.Line
		if w.URL == "" || w.Detail == "" {
			t.Errorf("warning %+v lacks a URL or detail", w)
		}
	}
	want := map[string]int{
		"StageNameCasing":              2,
		"InvalidDefinitionDescription": 2,
		"SecretsUsedInArgOrEnv":        3,
		"WorkdirRelativePath":          7,
		"JSONArgsRecommended":          8,
	}
	for rule, line := range want {
		if l, ok := got[rule]; !ok {
			t.Errorf("no %s warning; got %v", rule, warnings)
		} else if l != line {
			t.Errorf("%s at line %d, want %d", rule, l, line)
		}
	}
}

func TestBuildKitLintKeepsTheFilesOwnCheckDirective(t *testing.T) {
	df := "# check=skip=JSONArgsRecommended\n# not the stage name\nFROM scratch AS final\nCMD echo hi\n"
	warnings, err := generate.BuildKitLint([]byte(df))
	if err != nil {
		t.Fatal(err)
	}
	experimental := false
	for _, w := range warnings {
		if w.Rule == "JSONArgsRecommended" {
			t.Errorf("rule skipped by the file's directive was reported: %s", w)
		}
		if w.Rule == "InvalidDefinitionDescription" && w.Line == 3 {
			experimental = true
		}
	}
	if !experimental {
		t.Errorf("experimental rules are off for a file with its own check directive: %v", warnings)
	}
}

func TestBuildKitLintReportsUnparsableFiles(t *testing.T) {
	_, err := generate.BuildKitLint([]byte("FROM scratch\nRUN --mount=type=nope true\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want an error naming line 2", err)
	}
}

func TestBuildKitLintCleanFile(t *testing.T) {
	df := "FROM docker.io/library/debian:bookworm-slim AS build\nRUN true\n\nFROM scratch\nCOPY --from=build /etc/os-release /os-release\nUSER 65532:65532\nENTRYPOINT [\"/x\"]\n"
	warnings, err := generate.BuildKitLint([]byte(df))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings on a clean file: %v", warnings)
	}
}
