package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"chartcode/server/store"
)

// teamFixture: two teams, each with its own supervisor and members, and graded work.
type teamFixture struct {
	ts           *testServer
	teamA, teamB store.Team
	supB         store.User // supervises team B only
	ana, ben     store.User // in team A; ben also in team B
	cy           store.User // in team B only
}

func newTeamFixture(t *testing.T) *teamFixture {
	t.Helper()
	ts := newTestServer(t)
	f := &teamFixture{ts: ts}
	mk := func(name string, role store.Role) store.User {
		u := store.User{Name: name, FullName: strings.ToUpper(name[:1]) + name[1:], Role: role, PasswordHash: ts.users[store.Student].PasswordHash}
		if err := ts.db.CreateUser(&u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.supB, f.ana, f.ben, f.cy = mk("sueb", store.Supervisor), mk("ana", store.Student), mk("ben", store.Student), mk("cy", store.Student)
	f.teamA = store.Team{Name: "Outpatient coders", Supervisors: []string{ts.users[store.Supervisor].ID}, Members: []string{f.ana.ID, f.ben.ID, ts.users[store.Student].ID}}
	f.teamB = store.Team{Name: "Inpatient coders", Supervisors: []string{f.supB.ID}, Members: []string{f.ben.ID, f.cy.ID}}
	for _, tm := range []*store.Team{&f.teamA, &f.teamB} {
		if err := ts.db.CreateTeam(tm); err != nil {
			t.Fatal(err)
		}
	}
	// Ana: 30 E/M codes, all right. Ben: 90 right, then 30 with one in three wrong (specificity).
	now := ts.clock.Now()
	add := func(u store.User, n, keyCodes, correct int, findings map[string]int, ago time.Duration) {
		for i := range n {
			a := store.Attempt{UserID: u.ID, ItemID: "case-em-001", ItemType: "case", Section: "E/M", Score: 100 * float64(correct) / float64(keyCodes),
				KeyCodes: keyCodes, Correct: correct, Findings: findings, Source: "practice", Answer: fmt.Sprintf("99214, I10 #%d", i),
				At: now.Add(-ago - time.Duration(n-i)*time.Minute), Result: []byte(`{"item_id":"case-em-001","type":"case","score":100}`)}
			if err := ts.db.AddAttempt(&a); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(f.ana, 10, 3, 3, nil, time.Hour)
	add(f.ben, 30, 3, 3, nil, 48*time.Hour)
	add(f.ben, 10, 3, 2, map[string]int{"specificity": 1}, time.Hour)
	return f
}

func (f *teamFixture) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, body := do(t, c, "GET", f.ts.http.URL+path, "", nil)
	return resp.StatusCode, body
}

// TestTeamVisibility: a supervisor sees only their teams and, through them, only their members;
// nobody else sees anyone's data — by page, by API and by CSV.
func TestTeamVisibility(t *testing.T) {
	f := newTeamFixture(t)
	ts := f.ts
	supA := ts.client(t, store.Supervisor)
	supB := &http.Client{Jar: newJar(t), CheckRedirect: supA.CheckRedirect}
	signIn(t, ts, supB, "sueb")
	a, b := f.teamA.ID, f.teamB.ID
	tests := []struct {
		name   string
		client *http.Client
		path   string
		want   int
	}{
		{"own team page", supA, "/teams/" + a, 200},
		{"other team page", supA, "/teams/" + b, 403},
		{"other team API", supA, "/api/teams/" + b, 403},
		{"other team CSV", supA, "/teams/" + b + "/matrix.csv", 403},
		{"other team assignments CSV", supA, "/teams/" + b + "/assignments.csv", 403},
		{"member of both, via the other team", supA, "/teams/" + b + "/people/" + f.ben.ID, 403},
		{"member of both, via own team", supA, "/teams/" + a + "/people/" + f.ben.ID, 200},
		{"not a member, via own team", supA, "/teams/" + a + "/people/" + f.cy.ID, 404},
		{"not a member, API", supA, "/api/teams/" + a + "/people/" + f.cy.ID, 404},
		{"not a member, history CSV", supA, "/teams/" + a + "/people/" + f.cy.ID + "/history.csv", 404},
		{"not a member, report", supA, "/teams/" + a + "/people/" + f.cy.ID + "/report", 404},
		{"B's supervisor, B's member", supB, "/api/teams/" + b + "/people/" + f.cy.ID, 200},
		{"B's supervisor, team A", supB, "/teams/" + a, 403},
		{"student, a team", ts.client(t, store.Student), "/teams/" + a, 403},
		{"student, a person's CSV", ts.client(t, store.Student), "/teams/" + a + "/people/" + f.ana.ID + "/history.csv", 403},
		{"trainer, a team API", ts.client(t, store.Trainer), "/api/teams/" + a, 403},
		{"admin, any team", ts.client(t, store.Admin), "/api/teams/" + b + "/people/" + f.cy.ID, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := f.get(t, tt.client, tt.path); code != tt.want {
				t.Fatalf("GET %s: %d, want %d: %.200s", tt.path, code, tt.want, body)
			}
		})
	}
	// The team list shows only supervised teams.
	_, body := f.get(t, supA, "/api/teams")
	if !strings.Contains(body, f.teamA.Name) || strings.Contains(body, f.teamB.Name) {
		t.Fatalf("supervisor A's teams: %s", body)
	}
	// An attempt of a member, through a team they are not in, stays hidden.
	atts, _ := ts.db.Attempts(f.ben.ID, "", 1)
	if code, _ := f.get(t, supB, "/teams/"+a+"/people/"+f.ben.ID+"/attempts/"+atts[0].ID); code != 403 {
		t.Fatalf("B's supervisor reading Ben's answer through team A: %d", code)
	}
	if code, body := f.get(t, supA, "/teams/"+a+"/people/"+f.ben.ID+"/attempts/"+atts[0].ID); code != 200 || !strings.Contains(body, "Ben") {
		t.Fatalf("A's supervisor reading Ben's answer: %d", code)
	}
}

func TestTeamCompetencyAPIAndCSV(t *testing.T) {
	f := newTeamFixture(t)
	supA := f.ts.client(t, store.Supervisor)
	_, body := f.get(t, supA, "/api/teams/"+f.teamA.ID)
	var r struct {
		Sections   []string
		Competency []struct {
			ID       string
			Name     string
			Overall  assessmentJSON
			Sections map[string]assessmentJSON
		}
		Attention []string
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, m := range r.Competency {
		levels[m.Name] = m.Sections["E/M"].Level.String()
		if m.Name == "ben" && (m.Sections["E/M"].Units != 51 || m.Sections["E/M"].Errors["specificity"] != 10) {
			t.Fatalf("Ben's E/M = %+v", m.Sections["E/M"])
		}
	}
	// Ana is proficient; Ben fell below 95 % after being above it; the third member has nothing.
	if levels["ana"] != "proficient" || levels["ben"] != "needs review" || len(r.Competency) != 3 || len(r.Sections) != 1 {
		t.Fatalf("levels = %v (%s)", levels, body)
	}
	if len(r.Attention) != 1 || r.Attention[0] != f.ben.ID {
		t.Fatalf("attention = %v", r.Attention)
	}
	_, body = f.get(t, supA, "/teams/"+f.teamA.ID+"/matrix.csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "person" {
		t.Fatalf("matrix CSV: %v\n%s", err, body)
	}
	if rows[2][1] != "ben" || rows[2][3] != "needs review" || rows[2][4] != "80.4" {
		t.Fatalf("Ben's row = %v", rows[2])
	}
	_, body = f.get(t, supA, "/teams/"+f.teamA.ID+"/people/"+f.ben.ID+"/history.csv")
	rows, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	if len(rows) != 41 || !strings.HasPrefix(rows[1][7], "99214, I10") {
		t.Fatalf("history CSV: %d rows, first %v", len(rows), rows[1])
	}
	code, page := f.get(t, supA, "/teams/"+f.teamA.ID)
	if code != 200 || !strings.Contains(page, "<svg") || !strings.Contains(page, "?section=E%2FM") {
		t.Fatalf("dashboard: %d", code)
	}
}

func TestAssignments(t *testing.T) {
	f := newTeamFixture(t)
	ts := f.ts
	supA := ts.client(t, store.Supervisor)
	create := func(c *http.Client, body string) (int, store.Assignment) {
		resp, out := do(t, c, "POST", ts.http.URL+"/api/assignments", "application/json", strings.NewReader(body))
		var a store.Assignment
		json.Unmarshal([]byte(out), &a)
		return resp.StatusCode, a
	}
	due := ts.clock.Now().AddDate(0, 0, 2).Format("2006-01-02")
	code, items := create(supA, `{"title":"Two cases","kind":"items","items":["case-em-001","case-em-002"],"team":"`+f.teamA.ID+`","due":"`+due+`"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	// A supervisor cannot assign to a team or a person outside their teams; a trainer may.
	if code, _ := create(supA, `{"kind":"drill","section":"E/M","count":2,"team":"`+f.teamB.ID+`","due":"`+due+`"}`); code != 403 {
		t.Fatalf("assign to another team: %d", code)
	}
	if code, _ := create(supA, `{"kind":"drill","section":"E/M","count":2,"people":["cy"],"due":"`+due+`"}`); code != 403 {
		t.Fatalf("assign to a person outside: %d", code)
	}
	code, drill := create(ts.client(t, store.Trainer), `{"kind":"drill","section":"E/M","count":2,"people":["cy","ben"],"due":"`+due+`"}`)
	if code != 201 || drill.Title != "2 answers in E/M" {
		t.Fatalf("trainer's drill: %d %+v", code, drill)
	}
	for _, bad := range []string{
		`{"kind":"items","items":["nope"],"team":"` + f.teamA.ID + `","due":"` + due + `"}`,
		`{"kind":"drill","section":"Nowhere","count":2,"team":"` + f.teamA.ID + `","due":"` + due + `"}`,
		`{"kind":"exam","blueprint":"exam-nope","team":"` + f.teamA.ID + `","due":"` + due + `"}`,
		`{"kind":"items","items":["case-em-001"],"team":"` + f.teamA.ID + `","due":"2020-01-01"}`,
		`{"kind":"items","items":["case-em-001"],"due":"` + due + `"}`,
	} {
		if code, _ := create(supA, bad); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}

	// Ana does one of the two cases, Ben both; the third member nothing.
	ts.clock.Advance(time.Minute)
	ana := &http.Client{Jar: newJar(t)}
	signIn(t, ts, ana, "ana")
	ben := &http.Client{Jar: newJar(t)}
	signIn(t, ts, ben, "ben")
	submit := func(c *http.Client, item string) {
		resp, body := do(t, c, "POST", ts.http.URL+"/api/exercises/"+item+"/attempts", "application/json", strings.NewReader(`{"answer":"99213"}`))
		if resp.StatusCode != 201 {
			t.Fatalf("submit: %d %s", resp.StatusCode, body)
		}
	}
	submit(ana, "case-em-001")
	submit(ben, "case-em-001")
	submit(ben, "case-em-002")
	_, body := f.get(t, supA, "/api/assignments/"+items.ID)
	var r struct {
		Assignment assignmentJSON
		People     []struct {
			Name   string
			Status string
			Done   int
		}
	}
	json.Unmarshal([]byte(body), &r)
	status := map[string]string{}
	for _, p := range r.People {
		status[p.Name] = fmt.Sprintf("%s %d", p.Status, p.Done)
	}
	if status["ana"] != "in progress 1" || status["ben"] != "done 2" || status["student1"] != "not started 0" || r.Assignment.Done != 1 {
		t.Fatalf("completion = %v (%s)", status, body)
	}
	// Members see it on their home page and in the API; after the due date it is overdue.
	if code, page := f.get(t, ana, "/practice"); code != 200 || !strings.Contains(page, "Two cases") {
		t.Fatalf("Ana's home page does not show the assignment")
	}
	_, body = f.get(t, ana, "/api/me/assignments")
	if !strings.Contains(body, `"status":"in progress"`) || strings.Contains(body, drill.ID) {
		t.Fatalf("Ana's assignments: %s", body)
	}
	ts.clock.Advance(3 * 24 * time.Hour)
	ana = &http.Client{Jar: newJar(t)}
	signIn(t, ts, ana, "ana")
	if _, body = f.get(t, ana, "/api/me/assignments"); !strings.Contains(body, `"status":"overdue"`) {
		t.Fatalf("after the due date: %s", body)
	}
	_, body = f.get(t, supA, "/assignments/"+items.ID+"/completion.csv")
	if rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll(); len(rows) != 4 || rows[0][6] != "status" {
		t.Fatalf("completion CSV: %s", body)
	}
	// The trainer's assignment is theirs: supervisor A may not open it (it is not to their team).
	if code, _ := f.get(t, supA, "/api/assignments/"+drill.ID); code != 403 {
		t.Fatalf("someone else's assignment: %d", code)
	}
}

func TestTeamMembership(t *testing.T) {
	f := newTeamFixture(t)
	supA := f.ts.client(t, store.Supervisor)
	resp, body := do(t, supA, "PATCH", f.ts.http.URL+"/api/teams/"+f.teamA.ID, "application/json",
		strings.NewReader(`{"addMembers":["cy"],"removeMembers":["ana"],"addSupervisors":["sueb"]}`))
	if resp.StatusCode != 200 || !strings.Contains(body, `"name":"cy"`) || strings.Contains(body, `"name":"ana"`) || !strings.Contains(body, `"name":"sueb"`) {
		t.Fatalf("PATCH: %d %s", resp.StatusCode, body)
	}
	for _, bad := range []string{`{"addMembers":["nobody"]}`, `{"addSupervisors":["ana"]}`, `{"name":""}`} {
		if resp, body := do(t, supA, "PATCH", f.ts.http.URL+"/api/teams/"+f.teamA.ID, "application/json", strings.NewReader(bad)); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
	resp, _ = do(t, supA, "POST", f.ts.http.URL+"/teams/"+f.teamA.ID+"/members", "application/x-www-form-urlencoded", strings.NewReader("action=remove&username=cy"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	if tm, _ := f.ts.db.Team(f.teamA.ID); tm.Has(f.cy.ID) {
		t.Fatal("cy is still a member")
	}
}

func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// signIn signs c in as the account name (made with the test password).
func signIn(t *testing.T, ts *testServer, c *http.Client, name string) {
	t.Helper()
	ts.clock.Advance(time.Minute) // let the sign-in rate limits refill
	resp, body := do(t, c, "POST", ts.http.URL+"/api/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, name, testPassword)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s: %d %s", name, resp.StatusCode, body)
	}
}
