package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"chartcode/exercises"
	"chartcode/server/store"
)

// caseMarkdown is an authored case with the given id, title and diagnosis key.
func caseMarkdown(id, title, key string) string {
	return `---
id: ` + id + `
type: case
title: "` + title + `"
credentials: [CPC]
section: "ICD-10-CM"
setting: "physician office"
difficulty: 2
diagnoses: "` + key + `"
references:
  - "ICD-10-CM Official Guidelines I.C.10"
---

A synthetic visit: sore throat for two days, rapid strep negative.

## Rationale

Acute pharyngitis without a named organism is J02.9 (guideline I.C.10).
`
}

func choiceMarkdown(id string) string {
	return `---
id: ` + id + `
type: choice
title: "Default for an unspecified laterality"
credentials: [CPC]
section: "Coding guidelines"
setting: "physician office"
difficulty: 1
references: ["ICD-10-CM Official Guidelines I.B.13"]
choices:
  A: "Left"
  B: "Unspecified side"
  C: "Right"
  D: "Bilateral"
answer: B
---

With no side documented, which laterality is coded?

## Rationale

Without documentation of the side, the unspecified code is assigned (I.B.13).
`
}

// sendJSON sends a JSON request and decodes the answer into out (when not nil).
func sendJSON(t *testing.T, c *http.Client, method, url string, body any, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, text := do(t, c, method, url, "application/json", bytes.NewReader(b))
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, text)
		}
	}
	return resp.StatusCode
}

func TestAuthoringVersionsAndPublishing(t *testing.T) {
	ts := newTestServer(t)
	trainer, student := ts.client(t, store.Trainer), ts.client(t, store.Student)
	api := ts.http.URL + "/api/authoring/items"
	var saved struct {
		Item     authoredJSON
		Problems []problemJSON
	}
	if code := sendJSON(t, trainer, "POST", api, markdownRequest{Markdown: caseMarkdown("case-org-001", "Sore throat", "J02.9")}, &saved); code != 201 || saved.Item.Status != "draft" {
		t.Fatalf("create: %d %+v", code, saved)
	}
	// A draft is not in the catalog.
	if resp, _ := do(t, student, "GET", ts.http.URL+"/practice/case-org-001", "", nil); resp.StatusCode != 404 {
		t.Fatalf("a draft is visible to students: %d", resp.StatusCode)
	}
	var pub authoredJSON
	if code := sendJSON(t, trainer, "POST", api+"/case-org-001/publish", nil, &pub); code != 200 || pub.Live != 1 {
		t.Fatalf("publish: %d %+v", code, pub)
	}
	if resp, body := do(t, student, "GET", ts.http.URL+"/practice/case-org-001", "", nil); resp.StatusCode != 200 || !strings.Contains(body, "Sore throat") {
		t.Fatalf("published item: %d", resp.StatusCode)
	}
	var out outcome
	if code := sendJSON(t, student, "POST", ts.http.URL+"/api/exercises/case-org-001/attempts", submission{Answer: "J02.9"}, &out); code != 201 || out.Score != 100 {
		t.Fatalf("answer v1: %d %+v", code, out)
	}
	first := out.AttemptID

	// Editing makes a draft; students keep seeing version 1 until it is published.
	sendJSON(t, trainer, "PUT", api+"/case-org-001", markdownRequest{Markdown: caseMarkdown("case-org-001", "Sore throat, revised", "J02.9")}, &saved)
	if saved.Item.Status != "published, draft changes" || saved.Item.Live != 1 {
		t.Fatalf("edit: %+v", saved.Item)
	}
	if _, body := do(t, student, "GET", ts.http.URL+"/practice/case-org-001", "", nil); strings.Contains(body, "revised") {
		t.Fatal("students see an unpublished edit")
	}
	// The id of an item cannot change by editing.
	if code := sendJSON(t, trainer, "PUT", api+"/case-org-001", markdownRequest{Markdown: caseMarkdown("case-org-002", "x", "J02.9")}, nil); code != 400 {
		t.Fatalf("id change: %d", code)
	}
	sendJSON(t, trainer, "POST", api+"/case-org-001/publish", nil, &pub)
	if pub.Live != 2 || len(pub.Versions) != 2 {
		t.Fatalf("second publish: %+v", pub)
	}
	if _, body := do(t, student, "GET", ts.http.URL+"/practice/case-org-001", "", nil); !strings.Contains(body, "revised") {
		t.Fatal("students still see version 1 after version 2 is published")
	}
	sendJSON(t, student, "POST", ts.http.URL+"/api/exercises/case-org-001/attempts", submission{Answer: "J02.9"}, &out)
	a1, _ := ts.db.Attempt(ts.users[store.Student].ID, first)
	a2, _ := ts.db.Attempt(ts.users[store.Student].ID, out.AttemptID)
	if a1.Version != 1 || a2.Version != 2 {
		t.Fatalf("attempt versions %d, %d", a1.Version, a2.Version)
	}
	// The first attempt's page shows the version answered.
	if _, body := do(t, student, "GET", ts.http.URL+"/attempts/"+first, "", nil); !strings.Contains(body, "Sore throat") || strings.Contains(body, "revised") {
		t.Fatal("the old attempt shows the new version")
	}

	// Retired: gone from the catalog, old results still readable.
	if code := sendJSON(t, trainer, "POST", api+"/case-org-001/retire", nil, &pub); code != 200 || pub.Status != "retired" {
		t.Fatalf("retire: %d %+v", code, pub)
	}
	if resp, _ := do(t, student, "GET", ts.http.URL+"/practice/case-org-001", "", nil); resp.StatusCode != 404 {
		t.Fatalf("retired item still served: %d", resp.StatusCode)
	}
	if resp, _ := do(t, student, "GET", ts.http.URL+"/attempts/"+first, "", nil); resp.StatusCode != 200 {
		t.Fatalf("old attempt after retiring: %d", resp.StatusCode)
	}
	// A published item is retired, never deleted; a draft may be deleted.
	if code := sendJSON(t, trainer, "DELETE", api+"/case-org-001", nil, nil); code != 409 {
		t.Fatalf("delete of a published item: %d", code)
	}
}

func TestAuthoringChecks(t *testing.T) {
	ts := newTestServer(t)
	trainer := ts.client(t, store.Trainer)
	api := ts.http.URL + "/api/authoring"
	var prev struct {
		ID       string
		Problems []problemJSON
		HTML     string
	}
	sendJSON(t, trainer, "POST", api+"/preview", markdownRequest{Markdown: caseMarkdown("case-org-009", "Bad key", "J02.99")}, &prev)
	if len(prev.Problems) != 1 || !strings.Contains(prev.Problems[0].Message, "J02.99") || prev.Problems[0].Line != 9 || prev.ID != "case-org-009" {
		t.Fatalf("preview problems = %+v", prev.Problems)
	}
	// Saved as a draft anyway; publishing is refused while a problem remains.
	sendJSON(t, trainer, "POST", api+"/items", markdownRequest{Markdown: caseMarkdown("case-org-009", "Bad key", "J02.99")}, nil)
	var e struct{ Error string }
	if code := sendJSON(t, trainer, "POST", api+"/items/case-org-009/publish", nil, &e); code != 422 || !strings.Contains(e.Error, "J02.99") {
		t.Fatalf("publish with a problem: %d %s", code, e.Error)
	}
	// A built-in id cannot be taken.
	if code := sendJSON(t, trainer, "POST", api+"/items", markdownRequest{Markdown: caseMarkdown("case-em-001", "Copy", "J02.9")}, nil); code != 409 {
		t.Fatalf("built-in id: %d", code)
	}
	// Raw HTML and dangerous links never reach a page, in any field.
	evil := strings.NewReplacer(`"Sore throat"`, `"<script>window.x=1</script>Sore"`,
		"A synthetic visit", `<script>window.x=1</script><img src=x onerror="window.x=1"> [click](javascript:window.x=1) A synthetic visit`,
		"Acute pharyngitis", `<iframe src="javascript:alert(1)"></iframe> Acute pharyngitis`).
		Replace(caseMarkdown("case-org-010", "Sore throat", "J02.9"))
	sendJSON(t, trainer, "POST", api+"/preview", markdownRequest{Markdown: evil}, &prev)
	for _, bad := range []string{"<script", "onerror", "javascript:", "<iframe", "<img"} {
		if strings.Contains(strings.ToLower(prev.HTML), bad) {
			t.Errorf("preview contains %q:\n%s", bad, prev.HTML)
		}
	}
	if !strings.Contains(prev.HTML, "&lt;script&gt;window.x=1&lt;/script&gt;Sore") {
		t.Errorf("the title is not escaped:\n%s", prev.HTML)
	}
}

// multipartFiles builds a multipart body with the files (name → content) in the field files.
func multipartFiles(t *testing.T, files map[string][]byte, publish bool) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range files {
		w, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if publish {
		mw.WriteField("publish", "on")
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, s := range files {
		w, _ := zw.Create(name)
		io.WriteString(w, s)
	}
	zw.Close()
	return buf.Bytes()
}

const goodCSV = "id,type,title,credentials,section,setting,difficulty,question,a,b,c,d,answer,rationale,references\n" +
	"q-org-101,choice,Place of service for a clinic,CPC;COC,Compliance & regulatory,physician office,1,Which POS code is an office?,11,21,22,23,A,POS 11 is office (CMS POS list).,CMS place of service codes\n" +
	"q-org-102,multi,Two add-on codes,CPC,E/M,physician office,2,Which are add-on codes?,99417,99213,G2211,99203,A;C,99417 and G2211 are add-ons (CPT guidelines).,CPT E/M guidelines\n"

func TestAuthoringImport(t *testing.T) {
	ts := newTestServer(t)
	trainer := ts.client(t, store.Trainer)
	url := ts.http.URL + "/api/authoring/import"

	// A bad batch: every problem listed, by file and line; nothing imported.
	badCSV := strings.Replace(goodCSV, ",A,POS 11", ",Q,POS 11", 1) // answer Q: not a choice
	ct, body := multipartFiles(t, map[string][]byte{
		"cases.zip": zipOf(t, map[string]string{
			"ok/case-org-201.md":  caseMarkdown("case-org-201", "Fine", "J02.9"),
			"bad/case-org-202.md": caseMarkdown("case-org-202", "Bad code", "J02.99"),
			"dup.md":              caseMarkdown("case-org-201", "Same id", "J02.9"),
		}),
		"questions.csv": []byte(badCSV),
		"notes.txt":     []byte("hello"),
	}, false)
	resp, text := do(t, trainer, "POST", url, ct, body)
	if resp.StatusCode != 422 {
		t.Fatalf("bad batch: %d %s", resp.StatusCode, text)
	}
	for _, want := range []string{`"file":"cases.zip/bad/case-org-202.md","line":9`, `J02.99`, `"file":"questions.csv","line":2`,
		`case-org-201\" is also used`, `"file":"notes.txt"`} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %s:\n%s", want, text)
		}
	}
	if list, _ := ts.db.AuthoredItems(); len(list) != 0 {
		t.Fatalf("a bad batch imported %d items", len(list))
	}

	// A good batch, published at once.
	ct, body = multipartFiles(t, map[string][]byte{
		"cases.zip":     zipOf(t, map[string]string{"a/case-org-201.md": caseMarkdown("case-org-201", "Fine", "J02.9")}),
		"q.md":          []byte(choiceMarkdown("q-org-301")),
		"questions.csv": []byte(goodCSV),
	}, true)
	resp, text = do(t, trainer, "POST", url, ct, body)
	if resp.StatusCode != 201 || !strings.Contains(text, `"imported":["case-org-201","q-org-101","q-org-102","q-org-301"]`) {
		t.Fatalf("good batch: %d %s", resp.StatusCode, text)
	}
	it, ok := ts.lib().Item("q-org-102")
	if !ok || len(it.Answer) != 2 || it.Version != 1 || it.Choices[2].Text != "G2211" {
		t.Fatalf("imported multi = %+v", it)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	ts := newTestServer(t)
	trainer := ts.client(t, store.Trainer)
	ct, body := multipartFiles(t, map[string][]byte{
		"q.md": []byte(choiceMarkdown("q-org-301")), "c.md": []byte(caseMarkdown("case-org-201", "Fine", "J02.9|J02.8")),
		"questions.csv": []byte(goodCSV),
	}, true)
	if resp, text := do(t, trainer, "POST", ts.http.URL+"/api/authoring/import", ct, body); resp.StatusCode != 201 {
		t.Fatalf("import: %s", text)
	}
	resp, zipped := do(t, trainer, "GET", ts.http.URL+"/authoring/export?all=authored&id=case-em-001", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	zr, err := zip.NewReader(strings.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(zr.File) != 5 {
		t.Fatalf("export zip: %v, %d files", err, len(zr.File))
	}
	// Into a fresh server, without the built-in item (its id is taken there too).
	var authoredOnly bytes.Buffer
	zw := zip.NewWriter(&authoredOnly)
	for _, f := range zr.File {
		if f.Name == "case-em-001.md" {
			continue
		}
		r, _ := f.Open()
		w, _ := zw.Create(f.Name)
		io.Copy(w, r)
	}
	zw.Close()
	other := newTestServer(t)
	ct, body = multipartFiles(t, map[string][]byte{"export.zip": authoredOnly.Bytes()}, true)
	if resp, text := do(t, other.client(t, store.Trainer), "POST", other.http.URL+"/api/authoring/import", ct, body); resp.StatusCode != 201 {
		t.Fatalf("re-import: %s", text)
	}
	for _, id := range []string{"q-org-301", "case-org-201", "q-org-101", "q-org-102"} {
		a, _ := ts.lib().Item(id)
		b, _ := other.lib().Item(id)
		if a == nil || b == nil {
			t.Fatalf("%s missing after the round trip", id)
		}
		if fmt.Sprint(a.Title, a.Body, a.Rationale, a.Choices, a.Answer, a.Section, a.Credentials, a.References) !=
			fmt.Sprint(b.Title, b.Body, b.Rationale, b.Choices, b.Answer, b.Section, b.Credentials, b.References) ||
			(a.Key != nil) != (b.Key != nil) || a.Key != nil && a.Key.String() != b.Key.String() {
			t.Errorf("%s differs after the round trip", id)
		}
		x, _ := ts.db.Authored(id)
		y, _ := other.db.Authored(id)
		if x.Versions[0].Markdown != y.Versions[0].Markdown {
			t.Errorf("%s: the Markdown differs", id)
		}
	}
}

// TestNewItemTemplates: the editor starts every type from an item that passes every check,
// under an id nobody uses.
func TestNewItemTemplates(t *testing.T) {
	ts := newTestServer(t)
	for _, typ := range []exercises.Type{exercises.Case, exercises.Choice, exercises.Multi, exercises.Quiz} {
		id := ts.freeID(typ)
		if _, problems := ts.draftFrom(newItemMarkdown(typ, id), ""); len(problems) > 0 {
			t.Errorf("%s template (%s): %v", typ, id, problems)
		}
	}
	if _, err := ts.db.SaveDraft(store.Draft{ID: "case-org-001", Markdown: "x"}, "someone", ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if id := ts.freeID(exercises.Case); id != "case-org-002" {
		t.Errorf("free id after case-org-001 = %s", id)
	}
}
