package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"chartcode/content"
	"chartcode/exercises"
	"chartcode/grading/codeset"
	"chartcode/server/store"
)

var (
	libOnce sync.Once
	libBook *codeset.Book
	libCat  *exercises.Catalog
)

// library loads the built-in content once for all tests.
func library(t testing.TB) (*codeset.Book, *exercises.Catalog) {
	t.Helper()
	libOnce.Do(func() {
		sets, err := codeset.LoadBuiltin(content.Codesets())
		if err != nil {
			panic(err)
		}
		libBook = codeset.NewBook(sets...)
		var problems exercises.Problems
		libCat, problems = exercises.Load(content.Library(), libBook)
		if len(problems) > 0 {
			panic(problems)
		}
	})
	return libBook, libCat
}

const testPassword = "correct horse battery"

// testServer is a server on a temp-dir store with one user per role.
type testServer struct {
	*Server
	db    *store.Store
	http  *httptest.Server
	users map[store.Role]store.User
	clock *fakeClock
	path  string // the database file, for tests that restart the server
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	book, cat := library(t)
	path := t.TempDir() + "/chartcode.db"
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	s, err := New(Config{}, Deps{Book: book, Catalog: cat, Content: content.Library(), Store: db, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: s, db: db, users: map[store.Role]store.User{}, clock: clock, path: path}
	hash, err := s.hasher.hash(context.Background(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		u := store.User{Name: string(r) + "1", Role: r, PasswordHash: hash}
		if err := db.CreateUser(&u); err != nil {
			t.Fatal(err)
		}
		ts.users[r] = u
	}
	t.Cleanup(s.live.Close) // live rooms save as they stop: before the store closes
	ts.http = httptest.NewServer(s.Handler())
	t.Cleanup(ts.http.Close)
	return ts
}

// client is a cookie-keeping client signed in as role ("" = signed out).
func (ts *testServer) client(t testing.TB, role store.Role) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if role == "" {
		return c
	}
	// Tests sign in far more often than people do: let the sign-in rate limits refill first.
	ts.clock.Advance(time.Minute)
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, ts.users[role].Name, testPassword)
	resp, err := c.Post(ts.http.URL+"/api/session", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s: %d", role, resp.StatusCode)
	}
	return c
}

func do(t testing.TB, c *http.Client, method, url, contentType string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// TestAuthorization: every route, every role, and signed out. The table must name every
// route the router has, so a new route cannot slip in without its rule.
func TestAuthorization(t *testing.T) {
	ts := newTestServer(t)
	_, cat := library(t)
	attempt := func(role store.Role) string { // an attempt of role's own, made on demand
		a := store.Attempt{UserID: ts.users[role].ID, ItemID: "q-em-002", ItemType: "choice", Section: "E/M", Score: 100,
			KeyCodes: 1, Correct: 1, Result: []byte(`{"item_id":"q-em-002","type":"choice","score":100}`)}
		if err := ts.db.AddAttempt(&a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	_ = cat
	// exam starts a sitting of role's own (submitted when a report is asked for) and returns it
	// with its first item.
	exam := func(role store.Role, submitted bool) (string, string) {
		st, _, err := ts.startExam(ts.users[role], "exam-diagnostic")
		if err != nil {
			t.Fatal(err)
		}
		if submitted && st.sess.Submitted.IsZero() {
			if st, err = ts.submitExam(ts.users[role], st.rec.ID); err != nil {
				t.Fatal(err)
			}
		}
		return st.rec.ID, st.sess.Items[0]
	}
	type route struct {
		method, pattern, path, body string
		allowed                     []store.Role // nil: public
	}
	all := everyone
	admin := []store.Role{store.Admin}
	staff := []store.Role{store.Trainer, store.Admin}
	supAdmin := []store.Role{store.Supervisor, store.Admin}
	assigners := []store.Role{store.Supervisor, store.Trainer, store.Admin}
	// custom makes a custom exam by the administrator: only they (its author and an
	// administrator) may delete it, so a trainer who did not make it gets 403.
	custom := func() string {
		e := store.CustomExam{Title: "Auth check", CreatedBy: ts.users[store.Admin].ID, TimeLimitMinutes: 10, PassMark: 50,
			Items: []string{"q-em-002"}}
		if err := ts.db.CreateCustomExam(&e); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	routes := []route{
		{"GET", "/healthz", "/healthz", "", nil},
		{"HEAD", "/healthz", "/healthz", "", nil},
		{"GET", "/static/*file", "/static/app.css", "", nil},
		{"GET", "/", "/", "", nil},
		{"GET", "/signin", "/signin", "", nil},
		{"POST", "/signin", "/signin", "name=nobody&password=x", nil},
		{"POST", "/api/session", "/api/session", `{"username":"nobody","password":"x"}`, nil},
		{"GET", "/practice", "/practice", "", all},
		{"GET", "/practice/:id", "/practice/case-em-001", "", all},
		{"POST", "/practice/:id", "/practice/q-em-002", "choice=A", all},
		{"GET", "/attempts", "/attempts", "", all},
		{"GET", "/attempts/:id", "/attempts/{own}", "", all},
		{"GET", "/progress", "/progress", "", all},
		{"GET", "/progress/chart.svg", "/progress/chart.svg", "", all},
		{"GET", "/codes", "/codes?q=diabetes", "", all},
		{"GET", "/account/password", "/account/password", "", all},
		{"POST", "/account/password", "/account/password", "current=wrong&new=x&confirm=x", all},
		{"GET", "/api/exercises", "/api/exercises", "", all},
		{"GET", "/api/exercises/:id", "/api/exercises/case-em-001", "", all},
		{"POST", "/api/exercises/:id/attempts", "/api/exercises/q-em-002/attempts", `{"choices":["A"]}`, all},
		{"GET", "/api/attempts/:id", "/api/attempts/{own}", "", all},
		{"GET", "/api/me/progress", "/api/me/progress", "", all},
		{"PUT", "/api/me/password", "/api/me/password", `{"current":"wrong","new":"x"}`, all},
		{"GET", "/api/codes", "/api/codes?q=E11.6", "", all},
		{"GET", "/api/codes/:code", "/api/codes/E11.65", "", all},
		{"GET", "/exams", "/exams", "", all},
		{"POST", "/exams", "/exams", "blueprint=exam-diagnostic", all},
		{"GET", "/exams/:id", "/exams/{exam}", "", all},
		{"GET", "/exams/:id/confirm", "/exams/{exam}/confirm", "", all},
		{"POST", "/exams/:id/submit", "/exams/{exam}/submit", "", all},
		{"GET", "/exams/:id/report", "/exams/{exam}/report", "", all},
		{"GET", "/api/exams", "/api/exams", "", all},
		{"POST", "/api/exams", "/api/exams", `{"blueprint":"exam-diagnostic"}`, all},
		{"GET", "/api/exams/:id", "/api/exams/{exam}", "", all},
		{"PUT", "/api/exams/:id/items/:item", "/api/exams/{exam}/items/{item}", `{"flagged":true}`, all},
		{"POST", "/api/exams/:id/submit", "/api/exams/{exam}/submit", "", all},
		{"GET", "/api/exams/:id/report", "/api/exams/{exam}/report", "", all},
		{"GET", "/exams/new", "/exams/new?credential=CPC", "", staff},
		{"POST", "/exams/new", "/exams/new", "title=Auth&timeLimitMinutes=30&passMark=70&count-6=1", staff},
		{"POST", "/exams/custom/:id/delete", "/exams/custom/{custom}/delete", "", admin},
		{"GET", "/api/custom-exams", "/api/custom-exams", "", all},
		{"POST", "/api/custom-exams", "/api/custom-exams", `{"title":"Auth","timeLimitMinutes":30,"passMark":70,"items":["q-em-002"]}`, staff},
		{"DELETE", "/api/custom-exams/:id", "/api/custom-exams/{custom}", "", admin},
		{"GET", "/join", "/join", "", nil},
		{"GET", "/play/:pin", "/play/{pin}", "", nil},
		{"GET", "/live/:pin/ws", "/live/{pin}/ws", "", nil},
		{"GET", "/live", "/live", "", staff},
		{"POST", "/live", "/live", "quiz=quiz-modifiers", staff},
		{"GET", "/live/:pin/host", "/live/{pin}/host", "", admin},
		{"GET", "/live/:pin/host/ws", "/live/{pin}/host/ws", "", admin},
		{"GET", "/live/:pin/qr.svg", "/live/{pin}/qr.svg", "", admin},
		{"GET", "/live/sessions/:id", "/live/sessions/{session}", "", admin},
		{"GET", "/live/sessions/:id/results.csv", "/live/sessions/{session}/results.csv", "", admin},
		{"POST", "/api/live", "/api/live", `{"quiz":"quiz-modifiers"}`, staff},
		{"GET", "/api/live/sessions", "/api/live/sessions", "", staff},
		{"GET", "/api/live/sessions/:id", "/api/live/sessions/{session}", "", admin},
		{"GET", "/api/me/assignments", "/api/me/assignments", "", all},
		{"GET", "/teams", "/teams", "", supAdmin},
		{"POST", "/teams", "/teams", "name=Auth+team", supAdmin},
		{"GET", "/teams/:id", "/teams/{team}", "", supAdmin},
		{"POST", "/teams/:id/members", "/teams/{team}/members", "action=add&username=trainer1", supAdmin},
		{"POST", "/teams/:id/delete", "/teams/{newteam}/delete", "", supAdmin},
		{"GET", "/teams/:id/matrix.csv", "/teams/{team}/matrix.csv", "", supAdmin},
		{"GET", "/teams/:id/assignments.csv", "/teams/{team}/assignments.csv", "", supAdmin},
		{"GET", "/teams/:id/people/:uid", "/teams/{team}/people/{member}", "", supAdmin},
		{"GET", "/teams/:id/people/:uid/report", "/teams/{team}/people/{member}/report", "", supAdmin},
		{"GET", "/teams/:id/people/:uid/history.csv", "/teams/{team}/people/{member}/history.csv", "", supAdmin},
		{"GET", "/teams/:id/people/:uid/attempts/:aid", "/teams/{team}/people/{member}/attempts/{memberattempt}", "", supAdmin},
		{"GET", "/api/teams", "/api/teams", "", supAdmin},
		{"POST", "/api/teams", "/api/teams", `{"name":"Auth team"}`, supAdmin},
		{"GET", "/api/teams/:id", "/api/teams/{team}", "", supAdmin},
		{"PATCH", "/api/teams/:id", "/api/teams/{team}", `{"name":"Coders"}`, supAdmin},
		{"DELETE", "/api/teams/:id", "/api/teams/{newteam}", "", supAdmin},
		{"GET", "/api/teams/:id/people/:uid", "/api/teams/{team}/people/{member}", "", supAdmin},
		{"GET", "/assignments", "/assignments", "", assigners},
		{"GET", "/assignments/new", "/assignments/new", "", assigners},
		{"POST", "/assignments", "/assignments", "kind=drill&section=E%2FM&count=3&team={team}&due=2026-12-31", assigners},
		{"GET", "/assignments/:id", "/assignments/{asg}", "", supAdmin},
		{"GET", "/assignments/:id/completion.csv", "/assignments/{asg}/completion.csv", "", supAdmin},
		{"POST", "/assignments/:id/delete", "/assignments/{newasg}/delete", "", supAdmin},
		{"GET", "/api/assignments", "/api/assignments", "", assigners},
		{"POST", "/api/assignments", "/api/assignments", `{"kind":"items","items":["q-em-002"],"team":"{team}","due":"2026-12-31"}`, assigners},
		{"GET", "/api/assignments/:id", "/api/assignments/{asg}", "", supAdmin},
		{"DELETE", "/api/assignments/:id", "/api/assignments/{newasg}", "", supAdmin},
		{"GET", "/authoring", "/authoring", "", staff},
		{"GET", "/authoring/new", "/authoring/new?type=choice", "", staff},
		{"POST", "/authoring/new", "/authoring/new", "markdown=", staff},
		{"GET", "/authoring/items/:id", "/authoring/items/{authored}", "", staff},
		{"POST", "/authoring/items/:id", "/authoring/items/{authored}", "action=nothing", staff},
		{"GET", "/authoring/import", "/authoring/import", "", staff},
		{"POST", "/authoring/import", "/authoring/import", "x=1", staff},
		{"GET", "/authoring/export", "/authoring/export?id={authored}", "", staff},
		{"GET", "/api/authoring/items", "/api/authoring/items", "", staff},
		{"POST", "/api/authoring/items", "/api/authoring/items", `{"markdown":""}`, staff},
		{"GET", "/api/authoring/items/:id", "/api/authoring/items/{authored}", "", staff},
		{"PUT", "/api/authoring/items/:id", "/api/authoring/items/{authored}", `{"markdown":""}`, staff},
		{"DELETE", "/api/authoring/items/:id", "/api/authoring/items/{newdraft}", "", staff},
		{"POST", "/api/authoring/items/:id/publish", "/api/authoring/items/{newdraft}/publish", "", staff},
		{"POST", "/api/authoring/items/:id/retire", "/api/authoring/items/{newdraft}/retire", "", staff},
		{"POST", "/api/authoring/preview", "/api/authoring/preview", `{"markdown":"---\nid: x\n---\n"}`, staff},
		{"POST", "/api/authoring/import", "/api/authoring/import", "x=1", staff},
		{"GET", "/admin/users", "/admin/users", "", admin},
		{"POST", "/admin/users", "/admin/users", "name=newperson&role=student", admin},
		{"POST", "/admin/users/:id", "/admin/users/{student}", "action=role&role=student", admin},
		{"GET", "/api/users", "/api/users", "", admin},
		{"POST", "/api/users", "/api/users", `{"name":"apiperson","role":"student"}`, admin},
		{"POST", "/signout", "/signout", "", all},
		{"DELETE", "/api/session", "/api/session", "", all},
	}
	// A team the supervisor supervises, with the student in it and an answer of theirs; and
	// assignments to it by the supervisor (a trainer who did not make one gets 403).
	newTeam := func() string {
		tm := store.Team{Name: "Coders", Supervisors: []string{ts.users[store.Supervisor].ID}, Members: []string{ts.users[store.Student].ID}}
		if err := ts.db.CreateTeam(&tm); err != nil {
			t.Fatal(err)
		}
		return tm.ID
	}
	team := newTeam()
	newAssignment := func() string {
		a := store.Assignment{Title: "Drill", Kind: store.AssignDrill, Section: "E/M", Count: 3, TeamID: team,
			Due: ts.clock.Now().AddDate(0, 1, 0), CreatedBy: ts.users[store.Supervisor].ID}
		if err := ts.db.CreateAssignment(&a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	asg := newAssignment()
	// An authored item, published; and fresh drafts for the rows that delete or publish one.
	drafts := 0
	newDraft := func() string {
		drafts++
		id := fmt.Sprintf("case-auth-%03d", drafts)
		md := caseMarkdown(id, "Authorization check", "J02.9")
		if _, err := ts.db.SaveDraft(store.Draft{ID: id, Type: "case", Title: "Authorization check", Markdown: md}, ts.users[store.Admin].ID, ts.clock.Now()); err != nil {
			t.Fatal(err)
		}
		return id
	}
	authored := newDraft()
	if _, err := ts.publish(ts.users[store.Admin], authored); err != nil {
		t.Fatal(err)
	}
	memberAttempt := attempt(store.Student)
	// A live quiz run by the administrator: a trainer who does not host it gets 403.
	pin, session := ts.createLive(t, store.Admin, `{"quiz":"quiz-modifiers"}`)
	covered := map[string]bool{}
	for _, rt := range routes {
		covered[rt.method+" "+rt.pattern] = true
	}
	for _, r := range ts.engine.Routes() {
		if !covered[r.Method+" "+r.Path] {
			t.Errorf("route %s %s has no row in the authorization table", r.Method, r.Path)
		}
	}
	for _, rt := range routes {
		for _, who := range []store.Role{"", store.Student, store.Trainer, store.Supervisor, store.Admin} {
			name := string(who)
			if name == "" {
				name = "signed-out"
			}
			t.Run(rt.method+" "+rt.pattern+" as "+name, func(t *testing.T) {
				c := ts.client(t, who) // a fresh sign-in each time: sign-out rows end their session
				ct := ""
				if rt.method == "POST" || rt.method == "PUT" || rt.method == "PATCH" {
					ct = "application/x-www-form-urlencoded"
					if strings.HasPrefix(rt.body, "{") {
						ct = "application/json"
					}
				}
				path := rt.path
				if strings.Contains(path, "{own}") {
					owner := who
					if owner == "" {
						owner = store.Student
					}
					path = strings.ReplaceAll(path, "{own}", attempt(owner))
				}
				if strings.Contains(path, "{exam}") {
					owner := who
					if owner == "" {
						owner = store.Student
					}
					id, item := exam(owner, strings.HasSuffix(path, "/report"))
					path = strings.ReplaceAll(strings.ReplaceAll(path, "{exam}", id), "{item}", item)
				}
				if strings.Contains(path, "{custom}") {
					path = strings.ReplaceAll(path, "{custom}", custom())
				}
				path = strings.ReplaceAll(path, "{student}", ts.users[store.Student].ID)
				if strings.Contains(path, "{pin}") {
					// Each sign-in moves the test clock on: a room left idle for hours ends.
					if r, err := ts.live.Room(pin); err != nil || r.Over() {
						pin, session = ts.createLive(t, store.Admin, `{"quiz":"quiz-modifiers"}`)
					}
				}
				path = strings.ReplaceAll(strings.ReplaceAll(path, "{pin}", pin), "{session}", session)
				if strings.Contains(path, "{newteam}") {
					path = strings.ReplaceAll(path, "{newteam}", newTeam())
				}
				if strings.Contains(path, "{newasg}") {
					path = strings.ReplaceAll(path, "{newasg}", newAssignment())
				}
				if strings.Contains(path, "{newdraft}") {
					path = strings.ReplaceAll(path, "{newdraft}", newDraft())
				}
				path = strings.ReplaceAll(path, "{authored}", authored)
				path = strings.NewReplacer("{team}", team, "{member}", ts.users[store.Student].ID, "{memberattempt}", memberAttempt, "{asg}", asg).Replace(path)
				body := strings.ReplaceAll(strings.ReplaceAll(rt.body, "person", "person"+name), "{team}", team)
				var header []string
				if strings.HasSuffix(path, "/ws") { // same-origin, but not a WebSocket handshake: 400 once let in
					header = []string{"Origin", ts.http.URL}
				}
				resp, _ := do(t, c, rt.method, ts.http.URL+path, ct, strings.NewReader(body), header...)
				allowed := rt.allowed == nil
				for _, r := range rt.allowed {
					allowed = allowed || r == who
				}
				code := resp.StatusCode
				switch {
				case allowed && code >= 500:
					t.Errorf("status %d", code)
				case allowed && code >= 400 && code != http.StatusBadRequest && code != http.StatusUnauthorized:
					t.Errorf("status %d, want success (or 400/401 for the deliberately wrong form values)", code)
				case !allowed && who == "" && code != http.StatusUnauthorized && !(code == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/signin")):
					t.Errorf("signed out: status %d, want 401 or a redirect to sign in", code)
				case !allowed && who != "" && code != http.StatusForbidden:
					t.Errorf("status %d, want 403", code)
				}
			})
		}
	}
}

func TestSubmitAndResult(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	resp, body := do(t, c, "POST", ts.http.URL+"/api/exercises/case-em-001/attempts", "application/json",
		strings.NewReader(`{"answer":"I12.9, N18.31, 99214, G2211, zzz"}`))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var out struct {
		AttemptID string  `json:"attempt_id"`
		Score     float64 `json:"score"`
		Accuracy  float64 `json:"accuracy"`
		Mode      string  `json:"mode"`
		Lines     []struct{ Input, Code, Key, Status, Message string }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.AttemptID == "" || out.Mode != "practice" || len(out.Lines) != 6 || out.Lines[4].Status != "unreadable" || out.Lines[5].Status != "missing" {
		t.Fatalf("result = %s", body)
	}
	// The result page shows the per-code table and, now, the key and the rationale.
	resp, page := do(t, c, "GET", ts.http.URL+"/attempts/"+out.AttemptID, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Code by code") || !strings.Contains(page, "Rationale") || !strings.Contains(page, "E78.5") {
		t.Errorf("result page: %d", resp.StatusCode)
	}
	// Another person cannot see it.
	other := ts.client(t, store.Trainer)
	if resp, _ := do(t, other, "GET", ts.http.URL+"/attempts/"+out.AttemptID, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user's attempt: %d, want 404", resp.StatusCode)
	}
	// A form submission redirects to the stored result.
	resp, _ = do(t, c, "POST", ts.http.URL+"/practice/q-em-001", "application/x-www-form-urlencoded", strings.NewReader("choice=A"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/attempts/") {
		t.Errorf("form submit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Progress counts both.
	_, prog := do(t, c, "GET", ts.http.URL+"/api/me/progress", "", nil)
	if !strings.Contains(prog, `"attempts":2`) {
		t.Errorf("progress = %s", prog)
	}
	// The catalog knows what was done.
	_, list := do(t, c, "GET", ts.http.URL+"/api/exercises?section=E/M&status=done", "", nil)
	if !strings.Contains(list, `"count":2`) {
		t.Errorf("done list = %s", list)
	}
}

// TestNoKeyBeforeAnswer: nothing served before an answer holds the key or the rationale.
func TestNoKeyBeforeAnswer(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	_, cat := library(t)
	it, _ := cat.Item("case-em-001")
	for _, path := range []string{"/practice/case-em-001", "/api/exercises/case-em-001", "/api/exercises?section=E/M"} {
		_, body := do(t, c, "GET", ts.http.URL+path, "", nil)
		if strings.Contains(body, "E78.5") || strings.Contains(body, string(it.Rationale)[:40]) || strings.Contains(body, "I12.9") {
			t.Errorf("%s leaks the key or the rationale", path)
		}
	}
	q, _ := cat.Item("q-em-001")
	_, body := do(t, c, "GET", ts.http.URL+"/api/exercises/q-em-001", "", nil)
	if strings.Contains(body, `"answer"`) || strings.Contains(body, string(q.Rationale)[:40]) {
		t.Errorf("question leaks its answer: %s", body)
	}
}

func TestBadInputs(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	url := ts.http.URL
	tests := []struct {
		name, method, path, ct string
		body                   string
		header                 []string
		status                 int
		field                  string
	}{
		{"malformed JSON", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answer": `, nil, 400, ""},
		{"unknown field", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answr": "I10"}`, nil, 400, "answr"},
		{"wrong type", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answer": 42}`, nil, 400, "answer"},
		{"empty answer", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answer": "  "}`, nil, 400, "answer"},
		{"answer too long", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answer": "` + strings.Repeat("E11.9 ", 1000) + `"}`, nil, 400, "answer"},
		{"10 MB answer", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answer": "` + strings.Repeat("E", 10<<20) + `"}`, nil, 413, ""},
		{"unknown choice", "POST", "/api/exercises/q-em-001/attempts", "application/json", `{"choices": ["Z"]}`, nil, 400, "choices"},
		{"two picks on a single-answer item", "POST", "/api/exercises/q-em-002/attempts", "application/json", `{"choices": ["A","B"]}`, nil, 400, "choices"},
		{"unknown exercise", "POST", "/api/exercises/no-such-item/attempts", "application/json", `{"answer": "I10"}`, nil, 404, ""},
		{"unknown exercise page", "GET", "/practice/no-such-item", "", "", nil, 404, ""},
		{"unknown attempt", "GET", "/api/attempts/ffffffffffffffff0000", "", "", nil, 404, ""},
		{"unknown code", "GET", "/api/codes/Q99.999", "", "", nil, 404, ""},
		{"bad filter", "GET", "/api/exercises?difficulty=9", "", "", nil, 400, "difficulty"},
		{"forged cross-origin POST", "POST", "/api/exercises/case-em-001/attempts", "application/json", `{"answer": "I10"}`,
			[]string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, ""},
		{"forged cross-origin form", "POST", "/practice/q-em-001", "application/x-www-form-urlencoded", "choice=A",
			[]string{"Origin", "https://evil.example"}, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, c, tt.method, url+tt.path, tt.ct, strings.NewReader(tt.body), tt.header...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tt.status, body)
			}
			if !strings.HasPrefix(tt.path, "/api/") {
				if !strings.Contains(body, "</html>") {
					t.Errorf("a page gets an HTML error page: %.200s", body)
				}
				return
			}
			var e struct{ Error, Field string }
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" || e.Field != tt.field {
				t.Errorf("error body %.200s, want {error, field: %q}", body, tt.field)
			}
		})
	}
}

func TestSignInRateLimit(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, "")
	var last *http.Response
	for i := 0; i < accountBurst+1; i++ {
		last, _ = do(t, c, "POST", ts.http.URL+"/api/session", "application/json",
			strings.NewReader(`{"username":"student1","password":"wrong password"}`))
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d wrong passwords: %d, want 429 with Retry-After", accountBurst+1, last.StatusCode)
	}
	// Even the right password waits now...
	resp, _ := do(t, c, "POST", ts.http.URL+"/api/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"student1","password":%q}`, testPassword)))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password during the lockout: %d", resp.StatusCode)
	}
	// ...and gets in once the window passes; other accounts were never affected.
	ts.clock.Advance(accountEvery)
	resp, _ = do(t, c, "POST", ts.http.URL+"/api/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"student1","password":%q}`, testPassword)))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the wait: %d", resp.StatusCode)
	}
}

func TestSessions(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Student)
	u, _ := url.Parse(ts.http.URL)
	var cookie *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			cookie = ck
		}
	}
	if cookie == nil || len(cookie.Value) < 22 {
		t.Fatalf("session cookie %v: want at least 128 random bits", cookie)
	}
	// The raw Set-Cookie header carries HttpOnly and SameSite=Lax.
	resp, _ := do(t, &http.Client{}, "POST", ts.http.URL+"/api/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"trainer1","password":%q}`, testPassword)))
	sc := resp.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("Set-Cookie = %s", sc)
	}
	// Sign-out ends the session on the server: the old cookie no longer works.
	if resp, _ := do(t, c, "DELETE", ts.http.URL+"/api/session", "", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	stale := &http.Client{}
	resp, _ = do(t, stale, "GET", ts.http.URL+"/api/me/progress", "", nil, "Cookie", sessionCookie+"="+cookie.Value)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old cookie after sign-out: %d", resp.StatusCode)
	}
	// Sessions expire.
	c2 := ts.client(t, store.Student)
	ts.clock.Advance(15 * 24 * time.Hour)
	if resp, _ := do(t, c2, "GET", ts.http.URL+"/api/me/progress", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired session: %d", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	resp, _ := do(t, ts.client(t, ""), "GET", ts.http.URL+"/signin", "", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %s", csp)
	}
}

func TestFirstAdminAndPasswordChange(t *testing.T) {
	book, cat := library(t)
	db, err := store.Open(t.TempDir()+"/chartcode.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pw, err := EnsureAdmin(context.Background(), db, "")
	if err != nil || len(pw) < 16 {
		t.Fatalf("EnsureAdmin = %q, %v", pw, err)
	}
	if again, _ := EnsureAdmin(context.Background(), db, ""); again != "" {
		t.Error("a second start must not create another admin")
	}
	s, _ := New(Config{}, Deps{Book: book, Catalog: cat, Store: db})
	h := httptest.NewServer(s.Handler())
	defer h.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := do(t, c, "POST", h.URL+"/signin", "application/x-www-form-urlencoded", strings.NewReader("name=admin&password="+url.QueryEscape(pw)))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/password" {
		t.Fatalf("first sign-in: %d → %s, want the password page", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := "current=" + url.QueryEscape(pw) + "&new=a+much+better+secret&confirm=a+much+better+secret"
	resp, _ = do(t, c, "POST", h.URL+"/account/password", "application/x-www-form-urlencoded", strings.NewReader(form))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", resp.StatusCode)
	}
	u, _ := db.UserByName("admin")
	if u.MustChange {
		t.Error("the one-time password must be retired")
	}
	if ok, _ := s.hasher.verify(context.Background(), u.PasswordHash, "a much better secret"); !ok {
		t.Error("new password not stored")
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %s is not argon2id with the OWASP parameters", u.PasswordHash)
	}
}

// TestOneTimePassword: a person with a one-time password can do nothing but choose a new one,
// in the browser and through the API.
func TestOneTimePassword(t *testing.T) {
	ts := newTestServer(t)
	u := ts.users[store.Student]
	u.MustChange = true
	if err := ts.db.UpdateUser(u); err != nil {
		t.Fatal(err)
	}
	c := ts.client(t, store.Student)
	if resp, _ := do(t, c, "GET", ts.http.URL+"/practice", "", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/password" {
		t.Errorf("page: %d %s, want a redirect to the password page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := do(t, c, "GET", ts.http.URL+"/api/exercises", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("API: %d, want 403", resp.StatusCode)
	}
	resp, body := do(t, c, "PUT", ts.http.URL+"/api/me/password", "application/json",
		strings.NewReader(fmt.Sprintf(`{"current":%q,"new":"short"}`, testPassword)))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"new"`) {
		t.Errorf("weak password: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, c, "PUT", ts.http.URL+"/api/me/password", "application/json",
		strings.NewReader(fmt.Sprintf(`{"current":%q,"new":"a much longer secret"}`, testPassword)))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	if resp, _ := do(t, c, "GET", ts.http.URL+"/api/exercises", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after the change: %d", resp.StatusCode)
	}
}

func TestPagesRender(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, store.Admin)
	do(t, c, "POST", ts.http.URL+"/api/exercises/case-integ-001/attempts", "application/json", strings.NewReader(`{"answer":"C44.319"}`))
	for _, p := range []string{"/practice", "/practice?type=case&status=new", "/practice/case-integ-001", "/practice/q-em-001", "/progress",
		"/attempts", "/codes?q=diabetes", "/codes?code=E11.65", "/admin/users", "/account/password"} {
		resp, body := do(t, c, "GET", ts.http.URL+p, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "</html>") {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	_, body := do(t, c, "GET", ts.http.URL+"/progress", "", nil)
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "95 % audit line") {
		t.Error("progress page without its chart")
	}
}
