package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"chartcode/server/store"
)

// seedTeam makes a team supervised by the test supervisor, with the test student (accurate in
// E/M) and a second student, Dana, who was accurate and then slipped below 95 % (needs review).
// The attempts are graded for real, so that each answer's page shows its graded lines.
func seedTeam(t *testing.T, ts *testServer) (team store.Team, weak store.User) {
	t.Helper()
	now := ts.now()
	weak = store.User{Name: "dana", FullName: "Dana Weak", Role: store.Student, PasswordHash: ts.users[store.Student].PasswordHash}
	if err := ts.db.CreateUser(&weak); err != nil {
		t.Fatal(err)
	}
	strong := ts.users[store.Student]
	team = store.Team{Name: "Outpatient coders", Supervisors: []string{ts.users[store.Supervisor].ID},
		Members: []string{strong.ID, weak.ID}, Created: now}
	if err := ts.db.CreateTeam(&team); err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, it := range ts.lib().Items() {
		if it.Section == "E/M" && it.Type == "case" {
			cases = append(cases, it.ID)
		}
	}
	if len(cases) < 4 {
		t.Fatalf("only %d E/M cases in the catalog", len(cases))
	}
	at := now.Add(-48 * time.Hour)
	answer := func(u store.User, id string, spoil bool) {
		t.Helper()
		it, _ := ts.lib().Item(id)
		codes := strings.Split(it.Key.String(), ",")
		if spoil && len(codes) > 1 {
			codes = codes[:len(codes)-1] // the last code left out: a "missing" error
		}
		_, a, err := ts.gradeItem(it, submission{Answer: strings.Join(codes, ",")}, it.Mode)
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
		a.UserID, a.Source, a.At = u.ID, "practice", at
		if err := ts.db.AddAttempt(a); err != nil {
			t.Fatal(err)
		}
	}
	// Two rounds each: enough codes (well over 20) for a level in E/M.
	for range 2 {
		for _, id := range cases {
			answer(strong, id, false)
			answer(weak, id, false)
		}
	}
	for range 2 {
		for _, id := range cases {
			answer(weak, id, true)
		}
	}
	return team, weak
}

// TestTeamsBrowser: a supervisor signs in, opens the team's heat map, clicks the cell of the
// person below 95 %, reads that person's exact answers in the section, opens one answer's graded
// lines, comes back, and downloads the competency matrix — in a real browser.
func TestTeamsBrowser(t *testing.T) {
	ctx, dir := browser(t)
	ts := newTestServer(t)
	ts.clock.now = time.Now()
	team, weak := seedTeam(t, ts)
	base := ts.http.URL
	sup := ts.users[store.Supervisor]
	cell := `svg.heatmap a[href*="/people/` + weak.ID + `?section="]`
	var buf []byte
	var teamsText, legend, answersHead, answersText, resultText, backLink, backURL, csv, reportText string
	var cells int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, sup.Name),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`.topbar nav`),
		chromedp.Navigate(base+"/teams"),
		chromedp.WaitVisible(`.teams-table`),
		chromedp.Text(`.teams-table`, &teamsText),
		chromedp.Click(`.teams-table a[href="/teams/`+team.ID+`"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`svg.heatmap`),
		chromedp.Evaluate(`document.querySelectorAll("svg.heatmap a[href*='?section=']").length`, &cells),
		chromedp.Text(`.heat-legend`, &legend),
		shot(dir, "30-team-dashboard", &buf),
		chromedp.Click(cell, chromedp.NodeVisible),
		chromedp.WaitVisible(`.answers-table`),
		chromedp.Text(`#answers-h`, &answersHead),
		chromedp.Text(`.answers-table`, &answersText),
		shot(dir, "31-team-person", &buf),
		chromedp.Click(`.answers-table a[href*="/attempts/"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.feedback`),
		chromedp.Text(`main`, &resultText),
		chromedp.AttributeValue(`.crumbs a`, "href", &backLink, nil),
		// Back by the page's own link (the browser's Back may restore the page from the
		// back-forward cache, which chromedp's DOM tracking does not follow).
		chromedp.Click(`.crumbs a`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.competency-table`),
		chromedp.Location(&backURL),
		chromedp.Navigate(base+"/teams/"+team.ID),
		chromedp.WaitVisible(`a[href$="/matrix.csv"]`),
		chromedp.Evaluate(`fetch(document.querySelector('a[href$="/matrix.csv"]').href).then(r => r.text())`, &csv,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.Navigate(base+"/teams/"+team.ID+"/people/"+weak.ID+"/report"),
		chromedp.WaitVisible(`.report`),
		chromedp.Text(`.report`, &reportText),
		shot(dir, "32-team-person-report", &buf),
		chromedp.ActionFunc(func(ctx context.Context) error { return emulation.SetEmulatedMedia().WithMedia("print").Do(ctx) }),
		shot(dir, "33-team-person-report-print", &buf),
		chromedp.ActionFunc(func(ctx context.Context) error { return emulation.SetEmulatedMedia().WithMedia("").Do(ctx) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(teamsText, "Outpatient coders") {
		t.Errorf("teams page lists %q", teamsText)
	}
	if cells != 2 {
		t.Errorf("%d heat-map cells link to answers, want 2 (two people, one section)", cells)
	}
	if !strings.Contains(legend, "needs review") {
		t.Errorf("legend %q", legend)
	}
	if answersHead != "Answers in E/M" {
		t.Errorf("answers heading %q", answersHead)
	}
	// Dana's latest answers leave out the key's last code: the exact text must show.
	it, _ := ts.lib().Item(firstEMCase(ts))
	codes := strings.Split(it.Key.String(), ",")
	if spoilt := strings.Join(codes[:len(codes)-1], ","); !strings.Contains(answersText, spoilt) {
		t.Errorf("answers lack %q:\n%s", spoilt, answersText)
	}
	for _, want := range []string{"Answer by Dana Weak", "Code by code", "missing"} {
		if !strings.Contains(resultText, want) {
			t.Errorf("answer page lacks %q:\n%s", want, resultText)
		}
	}
	// Back to the person's page, still filtered to the section of the cell.
	if backLink != "/teams/"+team.ID+"/people/"+weak.ID+"?section=E%2FM" {
		t.Errorf("the answer page links back to %q", backLink)
	}
	if !strings.HasSuffix(backURL, "/people/"+weak.ID+"?section=E%2FM") {
		t.Errorf("back at %s", backURL)
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "person,username,section,level,accuracy_pct,codes,correct,answers") {
		t.Fatalf("matrix CSV:\n%s", csv)
	}
	if !strings.Contains(csv, "\nDana Weak,dana,E/M,needs review,") || !strings.Contains(csv, "\nstudent1,student1,E/M,proficient,100.0,") {
		t.Errorf("matrix CSV rows:\n%s", csv)
	}
	for _, want := range []string{"Coding competency report", "Dana Weak", "Outpatient coders", "needs review", "missing"} {
		if !strings.Contains(reportText, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// firstEMCase is the first E/M case of the catalog, the one seedTeam answered first.
func firstEMCase(ts *testServer) string {
	for _, it := range ts.lib().Items() {
		if it.Section == "E/M" && it.Type == "case" {
			return it.ID
		}
	}
	return ""
}
