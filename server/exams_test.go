package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"chartcode/exams"
	"chartcode/exercises"
	"chartcode/server/store"
)

// examJSON is GET /api/exams/:id as a client reads it.
type examJSON struct {
	ID               string    `json:"id"`
	Started          time.Time `json:"started"`
	Deadline         time.Time `json:"deadline"`
	Submitted        time.Time `json:"submitted"`
	SubmittedBy      string    `json:"submittedBy"`
	RemainingSeconds int       `json:"remainingSeconds"`
	Progress         struct{ Answered, Flagged, Total int }
	Items            []struct {
		N       int
		Section string
		Item    exercises.Public
		Answer  exams.Answer
	}
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %.300s: %v", body, err)
	}
	return v
}

// beginExam starts blueprint for c over the API.
func (ts *testServer) beginExam(t *testing.T, c *http.Client, blueprint string) examJSON {
	t.Helper()
	resp, body := do(t, c, "POST", ts.http.URL+"/api/exams", "application/json", strings.NewReader(`{"blueprint":"`+blueprint+`"}`))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("start %s: %d %s", blueprint, resp.StatusCode, body)
	}
	return decode[examJSON](t, body)
}

func (ts *testServer) fetchExam(t *testing.T, c *http.Client, id string) examJSON {
	t.Helper()
	resp, body := do(t, c, "GET", ts.http.URL+"/api/exams/"+id, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get exam: %d %s", resp.StatusCode, body)
	}
	return decode[examJSON](t, body)
}

func (ts *testServer) put(t *testing.T, c *http.Client, id, item, body string) (*http.Response, string) {
	t.Helper()
	return do(t, c, "PUT", ts.http.URL+"/api/exams/"+id+"/items/"+item, "application/json", strings.NewReader(body))
}

// rightChoices is the correct answer to a choice item as a JSON body.
func rightChoices(t *testing.T, itemID string) string {
	t.Helper()
	_, cat := library(t)
	it, ok := cat.Item(itemID)
	if !ok || it.Type == exercises.Case {
		t.Fatalf("%s is not a choice item", itemID)
	}
	b, _ := json.Marshal(map[string]any{"choices": it.Answer})
	return string(b)
}

func TestExamFlow(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	ex := ts.beginExam(t, c, "exam-diagnostic")
	if len(ex.Items) != 20 || ex.Progress.Total != 20 || ex.RemainingSeconds != 45*60 {
		t.Fatalf("started %d items, progress %+v, %d s left", len(ex.Items), ex.Progress, ex.RemainingSeconds)
	}
	// Starting it again while it runs resumes the same sitting.
	resp, body := do(t, c, "POST", ts.http.URL+"/api/exams", "application/json", strings.NewReader(`{"blueprint":"exam-diagnostic"}`))
	if resp.StatusCode != http.StatusOK || decode[examJSON](t, body).ID != ex.ID {
		t.Errorf("second start: %d, want 200 with the running sitting", resp.StatusCode)
	}

	// Keys are not served before submission.
	_, cat := library(t)
	_, raw := do(t, c, "GET", ts.http.URL+"/api/exams/"+ex.ID, "", nil)
	_, page := do(t, c, "GET", ts.http.URL+"/exams/"+ex.ID, "", nil)
	for _, e := range ex.Items {
		it, _ := cat.Item(e.Item.ID)
		r := string(it.Rationale)[:min(40, len(it.Rationale))]
		if strings.Contains(raw, r) || strings.Contains(page, r) {
			t.Errorf("the rationale of %s is served before submission", it.ID)
		}
	}
	if strings.Contains(raw, `"correct"`) || strings.Contains(raw, `"key"`) || strings.Contains(raw, `"rationale"`) {
		t.Errorf("GET /api/exams/:id holds keys: %.500s", raw)
	}

	// Save, change and flag.
	first, second := ex.Items[0].Item.ID, ex.Items[1].Item.ID
	if resp, body := ts.put(t, c, ex.ID, first, `{"choices":["a"]}`); resp.StatusCode != 200 || !strings.Contains(body, `"answered":1`) {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	ts.clock.Advance(time.Minute)
	ts.put(t, c, ex.ID, first, rightChoices(t, first))
	if resp, body := ts.put(t, c, ex.ID, second, `{"flagged":true}`); resp.StatusCode != 200 || !strings.Contains(body, `"flagged":1`) {
		t.Fatalf("flag: %d %s", resp.StatusCode, body)
	}
	got := ts.fetchExam(t, c, ex.ID)
	if got.Progress.Answered != 1 || got.Progress.Flagged != 1 || !got.Items[1].Answer.Flagged || got.RemainingSeconds != 44*60 {
		t.Errorf("after saving: %+v, %d s left", got.Progress, got.RemainingSeconds)
	}
	// Bad changes.
	for _, tt := range []struct {
		item, body string
		status     int
	}{
		{first, `{"choices":["Z"]}`, 400},
		{first, `{}`, 400},
		{first, `{"answer":"x","choices":["A"]}`, 400},
		{"case-em-001", `{"answer":"I10"}`, 404},
	} {
		if resp, body := ts.put(t, c, ex.ID, tt.item, tt.body); resp.StatusCode != tt.status {
			t.Errorf("PUT %s %s: %d %s, want %d", tt.item, tt.body, resp.StatusCode, body, tt.status)
		}
	}
	// The pages render, with the saved answer checked and the flag pressed.
	resp, page = do(t, c, "GET", ts.http.URL+"/exams/"+ex.ID, "", nil)
	if resp.StatusCode != 200 || strings.Count(page, `class="card exam-item"`) != 20 || !strings.Contains(page, `aria-pressed="true"`) ||
		!strings.Contains(page, " checked>") || !strings.Contains(page, `data-remaining="2640"`) {
		t.Errorf("exam page: %d", resp.StatusCode)
	}
	resp, page = do(t, c, "GET", ts.http.URL+"/exams/"+ex.ID+"/confirm", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Unanswered (19)") || !strings.Contains(page, "Flagged for review (1)") {
		t.Errorf("confirm page: %d", resp.StatusCode)
	}
	// The report waits for the submission.
	if resp, _ := do(t, c, "GET", ts.http.URL+"/api/exams/"+ex.ID+"/report", "", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("report of a running exam: %d, want 409", resp.StatusCode)
	}
	// Another person cannot see, change or submit it.
	other := ts.client(t, store.Trainer)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/exams/" + ex.ID, ""}, {"GET", "/exams/" + ex.ID, ""}, {"GET", "/api/exams/" + ex.ID + "/report", ""},
		{"PUT", "/api/exams/" + ex.ID + "/items/" + first, `{"flagged":true}`}, {"POST", "/api/exams/" + ex.ID + "/submit", ""},
		{"POST", "/exams/" + ex.ID + "/submit", ""},
	} {
		ct := ""
		if r.body != "" {
			ct = "application/json"
		}
		if resp, _ := do(t, other, r.method, ts.http.URL+r.path, ct, strings.NewReader(r.body)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another user: %s %s: %d, want 404", r.method, r.path, resp.StatusCode)
		}
	}
	// Submit through the form: to the report.
	ts.clock.Advance(5 * time.Minute)
	resp, _ = do(t, c, "POST", ts.http.URL+"/exams/"+ex.ID+"/submit", "application/x-www-form-urlencoded", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exams/"+ex.ID+"/report" {
		t.Fatalf("submit: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = do(t, c, "GET", ts.http.URL+"/api/exams/"+ex.ID+"/report", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d %s", resp.StatusCode, body)
	}
	rep := decode[struct {
		exams.Report
		Items []struct {
			exams.ItemResult
			Rationale string
		} `json:"items"`
	}](t, body)
	if rep.SubmittedBy != exams.ByPerson || rep.TimeUsed != ts.clock.Now().Sub(ex.Started) || rep.Answered != 1 || rep.Score != 5 || rep.Passed {
		t.Errorf("report: by %s, used %v, %d answered, score %v, passed %v", rep.SubmittedBy, rep.TimeUsed, rep.Answered, rep.Score, rep.Passed)
	}
	results := make([]exams.ItemResult, len(rep.Items))
	for i, it := range rep.Items {
		results[i] = it.ItemResult
	}
	checkSections(t, &rep.Report, results)
	for _, it := range rep.Items {
		if it.Rationale == "" || len(it.Correct) == 0 {
			t.Errorf("report item %s without its key and rationale", it.ItemID)
		}
	}
	resp, page = do(t, c, "GET", ts.http.URL+"/exams/"+ex.ID+"/report", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Not passed") || !strings.Contains(page, "By section") || strings.Count(page, `class="card review-item"`) != 20 {
		t.Errorf("report page: %d", resp.StatusCode)
	}
	// Answers after the submission are refused; the pages move on to the report.
	if resp, body := ts.put(t, c, ex.ID, second, `{"choices":["A"]}`); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "was submitted at") {
		t.Errorf("save after submission: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, c, "GET", ts.http.URL+"/exams/"+ex.ID, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("exam page after submission: %d, want a redirect to the report", resp.StatusCode)
	}
	// The attempts feed history and progress: one per item.
	_, prog := do(t, c, "GET", ts.http.URL+"/api/me/progress", "", nil)
	if !strings.Contains(prog, `"attempts":20`) {
		t.Errorf("progress after the exam: %.300s", prog)
	}
	// The list shows it, and a new sitting avoids its items.
	_, list := do(t, c, "GET", ts.http.URL+"/api/exams", "", nil)
	if !strings.Contains(list, `"status":"submitted"`) || !strings.Contains(list, `"exam-cpc-mock"`) {
		t.Errorf("list: %.400s", list)
	}
	if resp, page := do(t, c, "GET", ts.http.URL+"/exams", "", nil); resp.StatusCode != 200 || !strings.Contains(page, "Not passed") && !strings.Contains(page, "not passed") {
		t.Errorf("exams page: %d", resp.StatusCode)
	}
	next := ts.beginExam(t, c, "exam-diagnostic")
	seen := map[string]bool{}
	for _, e := range ex.Items {
		seen[e.Item.ID] = true
	}
	repeated := 0
	for _, e := range next.Items {
		if seen[e.Item.ID] {
			repeated++
		}
	}
	t.Logf("the second diagnostic repeats %d of 20 items", repeated)
	if repeated == 20 {
		t.Error("the second sitting repeats the whole first one")
	}
}

// checkSections: the section table adds up to the items.
func checkSections(t *testing.T, rep *exams.Report, items []exams.ItemResult) {
	t.Helper()
	type sum struct {
		n, correct int
		score      float64
	}
	sums := map[string]*sum{}
	for _, it := range items {
		if sums[it.Section] == nil {
			sums[it.Section] = &sum{}
		}
		sums[it.Section].n++
		sums[it.Section].score += it.Score
		if it.Score >= 100 {
			sums[it.Section].correct++
		}
	}
	n := 0
	for _, sec := range rep.Sections {
		s := sums[sec.Section]
		if s == nil || s.n != sec.Items || s.correct != sec.Correct || math.Abs(s.score/float64(s.n)-sec.Score) > 0.1 {
			t.Errorf("section %s: %+v, items add up to %+v", sec.Section, sec, s)
			continue
		}
		n += sec.Items
	}
	if n != rep.Total || len(rep.Sections) != len(sums) {
		t.Errorf("sections hold %d items in %d sections, the exam %d in %d", n, len(rep.Sections), rep.Total, len(sums))
	}
}

// TestExamTwoTabs: two signed-in tabs of the same person saving different items at the same
// time keep every answer.
func TestExamTwoTabs(t *testing.T) {
	ts := newTestServer(t)
	tab1, tab2 := ts.client(t, store.Student), ts.client(t, store.Student)
	ex := ts.beginExam(t, tab1, "exam-diagnostic")
	var wg sync.WaitGroup
	for i, tab := range []*http.Client{tab1, tab2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := i; k < len(ex.Items); k += 2 {
				if resp, body := ts.put(t, tab, ex.ID, ex.Items[k].Item.ID, `{"choices":["B"]}`); resp.StatusCode != 200 {
					t.Errorf("tab %d item %d: %d %s", i+1, k, resp.StatusCode, body)
				}
				if k%4 == i {
					ts.put(t, tab, ex.ID, ex.Items[k].Item.ID, `{"flagged":true}`)
				}
			}
		}()
	}
	wg.Wait()
	got := ts.fetchExam(t, tab2, ex.ID)
	if got.Progress.Answered != 20 || got.Progress.Flagged != 10 {
		t.Errorf("after two tabs: %+v, want 20 answered and 10 flagged", got.Progress)
	}
}

// TestExamClock: the server's clock ends the exam — a late answer is refused, and the next
// request finds it submitted by the clock at the deadline.
func TestExamClock(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	ex := ts.beginExam(t, c, "exam-diagnostic")
	item := ex.Items[0].Item.ID
	ts.put(t, c, ex.ID, item, rightChoices(t, item))
	ts.clock.Advance(44*time.Minute + 59*time.Second)
	if resp, body := ts.put(t, c, ex.ID, ex.Items[1].Item.ID, rightChoices(t, ex.Items[1].Item.ID)); resp.StatusCode != 200 {
		t.Fatalf("a second before the end: %d %s", resp.StatusCode, body)
	}
	ts.clock.Advance(2 * time.Second)
	resp, body := ts.put(t, c, ex.ID, ex.Items[2].Item.ID, `{"choices":["A"]}`)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "time is up: the exam was submitted at "+ex.Deadline.Format("2006-01-02 15:04:05")) {
		t.Fatalf("late answer: %d %s, want 409 naming the deadline", resp.StatusCode, body)
	}
	got := ts.fetchExam(t, c, ex.ID)
	if got.Submitted.IsZero() || got.SubmittedBy != exams.ByClock || !got.Submitted.Equal(ex.Deadline) || got.RemainingSeconds != 0 {
		t.Errorf("after the deadline: submitted %v by %q, want %v by the clock", got.Submitted, got.SubmittedBy, ex.Deadline)
	}
	if got.Progress.Answered != 2 {
		t.Errorf("%d answers kept, want 2", got.Progress.Answered)
	}
	_, body = do(t, c, "GET", ts.http.URL+"/api/exams/"+ex.ID+"/report", "", nil)
	rep := decode[exams.Report](t, body)
	if rep.Answered != 2 || rep.Score != 10 || rep.TimeUsed != 45*time.Minute {
		t.Errorf("report: %d answered, score %v, used %v", rep.Answered, rep.Score, rep.TimeUsed)
	}
	// A person's late submit gets the clock's report, not an error.
	if resp, _ := do(t, c, "POST", ts.http.URL+"/api/exams/"+ex.ID+"/submit", "", nil); resp.StatusCode != 200 {
		t.Errorf("submit after the clock: %d", resp.StatusCode)
	}
}

// TestExamSweeper: sittings nobody looks at are submitted by the sweeper.
func TestExamSweeper(t *testing.T) {
	ts := newTestServer(t)
	a, b := ts.client(t, store.Student), ts.client(t, store.Trainer)
	exA := ts.beginExam(t, a, "exam-diagnostic")
	ts.put(t, a, exA.ID, exA.Items[0].Item.ID, rightChoices(t, exA.Items[0].Item.ID))
	exB := ts.beginExam(t, b, "exam-cpc-mock")
	if n, err := ts.sweepExams(); err != nil || n != 0 {
		t.Fatalf("sweep before any deadline: %d, %v", n, err)
	}
	ts.clock.Advance(46 * time.Minute)
	if n, err := ts.sweepExams(); err != nil || n != 1 {
		t.Fatalf("sweep after the diagnostic's deadline: %d, %v, want 1", n, err)
	}
	r, err := ts.db.Exam(ts.users[store.Student].ID, exA.ID)
	if err != nil || r.Submitted.IsZero() || len(r.Report) == 0 {
		t.Fatalf("the swept sitting: %v, submitted %v, report %d bytes", err, r.Submitted, len(r.Report))
	}
	if sums, _ := ts.db.ItemSummaries(ts.users[store.Student].ID); len(sums) != 20 {
		t.Errorf("%d item summaries after the sweep, want 20", len(sums))
	}
	if got := ts.fetchExam(t, b, exB.ID); !got.Submitted.IsZero() {
		t.Error("the CPC mock, still running, was submitted")
	}
	// A sitting submitted meanwhile by its person is left alone.
	ts.clock.Advance(4 * time.Hour)
	if err := ts.finishExam(ts.users[store.Trainer].ID, exB.ID, exams.ByPerson); err != nil {
		t.Fatal(err)
	}
	if n, err := ts.sweepExams(); err != nil || n != 0 {
		t.Errorf("sweep after everything was submitted: %d, %v", n, err)
	}
}

// TestExamRestart: answers and the remaining time survive a server restart.
func TestExamRestart(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	ex := ts.beginExam(t, c, "exam-diagnostic")
	for _, e := range ex.Items[:3] {
		ts.put(t, c, ex.ID, e.Item.ID, rightChoices(t, e.Item.ID))
	}
	ts.put(t, c, ex.ID, ex.Items[5].Item.ID, `{"flagged":true}`)
	ts.clock.Advance(10 * time.Minute)

	// Stop the server and close the store; reopen the same file.
	ts.http.Close()
	if err := ts.db.Close(); err != nil {
		t.Fatal(err)
	}
	book, cat := library(t)
	db, err := store.Open(ts.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := New(Config{}, Deps{Book: book, Catalog: cat, Store: db, Now: ts.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts.Server, ts.db, ts.http = s, db, httptest.NewServer(s.Handler())
	t.Cleanup(ts.http.Close)
	ts.clock.Advance(5 * time.Minute)

	// The old sign-in still works: sessions live in the store too.
	got := ts.fetchExam(t, c, ex.ID)
	want := int(ex.Deadline.Sub(ts.clock.Now()).Seconds())
	if got.Progress.Answered != 3 || got.Progress.Flagged != 1 || got.RemainingSeconds != want || want > 30*60 {
		t.Errorf("after the restart: %+v, %d s left, want 3 answered, 1 flagged, %d s", got.Progress, got.RemainingSeconds, want)
	}
	for i, e := range got.Items[:3] {
		if e.Item.ID != ex.Items[i].Item.ID || len(e.Answer.Choices) == 0 {
			t.Errorf("item %d: %s %+v", i+1, e.Item.ID, e.Answer)
		}
	}
}

// TestExamCaseReport: a CCS mock with code-entry cases grades them line by line in the report.
func TestExamCaseReport(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	ex := ts.beginExam(t, c, "exam-ccs-mock")
	_, cat := library(t)
	var caseID string
	for _, e := range ex.Items {
		if e.Item.Type == exercises.Case {
			caseID = e.Item.ID
			break
		}
	}
	if caseID == "" {
		t.Fatal("the CCS mock drew no case")
	}
	it, _ := cat.Item(caseID)
	if resp, body := ts.put(t, c, ex.ID, caseID, fmt.Sprintf(`{"answer":%q}`, it.Key.Lines[0].Codes[0].Display())); resp.StatusCode != 200 {
		t.Fatalf("save a case: %d %s", resp.StatusCode, body)
	}
	resp, body := do(t, c, "POST", ts.http.URL+"/api/exams/"+ex.ID+"/submit", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"key":"`) || !strings.Contains(body, `"lines":[`) {
		t.Fatalf("submit: %d %.300s", resp.StatusCode, body)
	}
	resp, page := do(t, c, "GET", ts.http.URL+"/exams/"+ex.ID+"/report", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `class="feedback"`) || !strings.Contains(page, "Rationale") {
		t.Errorf("report page: %d", resp.StatusCode)
	}
}
