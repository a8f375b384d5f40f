package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartcode/server/store"
)

// runCLI runs one command line with the given environment and returns its output and exit code.
func runCLI(t *testing.T, envv map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return envv[k] }, strings.NewReader(""), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func TestGradeJSON(t *testing.T) {
	data := t.TempDir()
	out, errs, code := runCLI(t, nil, "grade", "--data", data, "--key", "E11.65, I10, 99214-25", "--answer", "I10, e119, 99214, xyz", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Score    float64 `json:"score"`
		Accuracy float64 `json:"accuracy"`
		Mode     string  `json:"mode"`
		Lines    []struct {
			Input    string   `json:"input"`
			Code     string   `json:"code"`
			System   string   `json:"system"`
			Key      string   `json:"key"`
			Status   string   `json:"status"`
			Findings []string `json:"findings"`
			Credit   float64  `json:"credit"`
			Message  string   `json:"message"`
		} `json:"lines"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON object: %s", out)
	}
	if r.Mode != "practice" || len(r.Lines) != 4 {
		t.Fatalf("result = %+v", r)
	}
	got := []string{}
	for _, l := range r.Lines {
		got = append(got, l.Input+"|"+l.Code+"|"+l.Key+"|"+l.Status+"|"+strings.Join(l.Findings, "+"))
	}
	want := []string{
		"I10|I10|I10|correct|correct",
		"e119|E11.9|E11.65|specificity|specificity+sequencing",
		"99214|99214|99214-25|modifier|correct+modifier",
		"xyz|||unreadable|unreadable",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// 1 + 0.3 + 0.5 earned over 3 key lines.
	if r.Score != 60 || r.Accuracy != 0.3333 {
		t.Errorf("score %v accuracy %v", r.Score, r.Accuracy)
	}
}

func TestGradeErrors(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"grade", "--data", data, "--key", "E11.65, diabetes", "--answer", "E11.65"}, 2, "malformed key"},
		{[]string{"grade", "--data", data, "--key", "E11.6", "--answer", "E11.65"}, 2, "header"},
		{[]string{"grade", "--data", data, "--answer", "E11.65"}, 2, "--key is required"},
		{[]string{"grade", "--data", data, "--key", "I10", "--mode", "quiz"}, 2, "unknown mode"},
		{[]string{"grade", "--data", data, "--key", "I10", "--answer", "??? !!!"}, 0, ""},
		{[]string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		_, errs, code := runCLI(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d (%q), want %d containing %q", tt.args, code, errs, tt.code, tt.msg)
		}
	}
}

// TestEnvironmentFlags: every flag --x-y can come from CHARTCODE_X_Y; the command line wins.
func TestEnvironmentFlags(t *testing.T) {
	data := t.TempDir()
	order := filepath.Join(t.TempDir(), "order.txt")
	line := "00001 I10     1 Essential (primary) hypertension                             Essential (primary) hypertension\r\n"
	if err := os.WriteFile(order, []byte("00001 I10     0 Hypertensive diseases                                        Hypertensive diseases\r\n"[:0]+line), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CHARTCODE_DATA": data, "CHARTCODE_MODE": "exam"}
	if _, errs, code := runCLI(t, env, "codes", "import", order); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	out, _, _ := runCLI(t, env, "codes", "stats", "--json")
	if !strings.Contains(out, `"source":"order.txt","billable":1`) {
		t.Errorf("stats with CHARTCODE_DATA: %s", out)
	}
	out, _, _ = runCLI(t, env, "grade", "--key", "I10", "--answer", "I10", "--json")
	if !strings.Contains(out, `"mode":"exam"`) {
		t.Errorf("CHARTCODE_MODE not applied: %s", out)
	}
	out, _, _ = runCLI(t, env, "grade", "--key", "I10", "--answer", "I10", "--json", "--mode", "practice")
	if !strings.Contains(out, `"mode":"practice"`) {
		t.Errorf("the command line must win over the environment: %s", out)
	}
	// The imported ICD-10-CM replaced the built-in one: E11.65 is no longer known.
	if _, errs, code := runCLI(t, env, "grade", "--key", "E11.65", "--answer", "E11.65"); code != 2 || !strings.Contains(errs, "not a valid") {
		t.Errorf("after import: exit %d %s", code, errs)
	}
}

func TestImportBadFileChangesNothing(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	os.WriteFile(good, []byte("00001 I10     1 Essential (primary) hypertension                             Essential (primary) hypertension\r\n"), 0o644)
	bad := filepath.Join(dir, "bad.txt.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("00001 I10     1 Essential (primary) hypertension                             Essential (primary) hypertension\r\n"))
	zw.Close()
	os.WriteFile(bad, buf.Bytes()[:buf.Len()-10], 0o644) // truncated gzip
	_, errs, code := runCLI(t, nil, "codes", "import", "--data", data, good, bad)
	if code != 1 || !strings.Contains(errs, "bad.txt.gz") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(data, "codesets")); !os.IsNotExist(err) {
		t.Errorf("a failed import stored something: %v", err)
	}
}

func TestLookup(t *testing.T) {
	data := t.TempDir()
	out, _, code := runCLI(t, nil, "codes", "lookup", "--data", data, "E11.6")
	if code != 0 || !strings.Contains(out, "E11.65") || !strings.Contains(out, "header") {
		t.Errorf("lookup E11.6: exit %d\n%s", code, out)
	}
	out, _, _ = runCLI(t, nil, "codes", "lookup", "--data", data, "--json", "type 2 diabetes hyperglyc")
	if !strings.Contains(out, `"code":"E11.65"`) {
		t.Errorf("lookup by words: %s", out)
	}
}

func TestLintCommand(t *testing.T) {
	data := t.TempDir()
	out, _, code := runCLI(t, nil, "lint", "--data", data, "exercises/testdata/lint")
	if code != 1 || !strings.Contains(out, "exam.md:10: sections: unknown section") {
		t.Errorf("lint of broken content: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, nil, "lint", "--data", data, "exercises/testdata/good")
	if code != 0 {
		t.Errorf("lint of good content: exit %d\n%s", code, out)
	}
}

// TestServeRefusesBadContent: the server does not start on content that fails lint, and says
// why with the lint messages.
func TestServeRefusesBadContent(t *testing.T) {
	data := t.TempDir()
	_, errs, code := runCLI(t, nil, "serve", "--data", data, "--addr", "127.0.0.1:0", "--content", "exercises/testdata/lint")
	if code != 1 || !strings.Contains(errs, "not starting") || !strings.Contains(errs, "exam.md:10: sections: unknown section") {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

// TestLintAuthored: `lint --authored` checks what trainers wrote, drafts included.
func TestLintAuthored(t *testing.T) {
	data := t.TempDir()
	db, err := store.Open(filepath.Join(data, "chartcode.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	draft := "---\nid: case-org-001\ntype: case\ntitle: Draft\ncredentials: [CPC]\nsection: ICD-10-CM\nsetting: physician office\ndifficulty: 2\ndiagnoses: J02.99\nreferences: [I.C.10]\n---\n\nNote.\n\n## Rationale\n\nWhy.\n"
	if _, err := db.SaveDraft(store.Draft{ID: "case-org-001", Type: "case", Title: "Draft", Markdown: draft}, "someone", time.Now()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, _, code := runCLI(t, nil, "lint", "--data", data, "--authored")
	if code != 1 || !strings.Contains(out, "authored/case-org-001.draft.md:9: diagnoses: J02.99") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
