package server

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"chartcode/exercises"
	"chartcode/server/store"
)

// The dashboard benchmark's store: 500 people with 2,000 attempts each over the year before
// benchNow, a 50-person team and two assignments. Building it takes a while, so it is kept in
// the temporary directory and reused by later runs (delete it to rebuild).
const (
	benchPeople   = 500
	benchAttempts = 2000
	benchTeam     = 50
)

var benchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func benchStorePath(b *testing.B) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("chartcode-bench-teams-%dx%d-v2.db", benchPeople, benchAttempts))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("seeding %s: %d people × %d attempts (once)", path, benchPeople, benchAttempts)
	start := time.Now()
	tmp := path + ".tmp"
	os.Remove(tmp)
	db, err := store.Open(tmp, store.Options{NoBatch: true})
	if err != nil {
		b.Fatal(err)
	}
	_, cat := library(b)
	var items []*exercises.Item
	for _, it := range cat.Items() {
		if it.Section != "" {
			items = append(items, it)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var members []string
	sup := store.User{Name: "bench-supervisor", Role: store.Supervisor, PasswordHash: "x"}
	if err := db.CreateUser(&sup); err != nil {
		b.Fatal(err)
	}
	findings := []string{"specificity", "seventh-character", "sequencing", "modifier", "missing", "extra", "invalid"}
	for p := range benchPeople {
		u := store.User{Name: fmt.Sprintf("coder%03d", p), FullName: fmt.Sprintf("Coder %03d", p), Role: store.Student, PasswordHash: "x"}
		if err := db.CreateUser(&u); err != nil {
			b.Fatal(err)
		}
		if p < benchTeam {
			members = append(members, u.ID)
		}
		skill := 0.85 + 0.15*rng.Float64() // each person's chance of getting a code right
		list := make([]*store.Attempt, benchAttempts)
		for i := range list {
			it := items[rng.IntN(len(items))]
			at := benchNow.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
			a := &store.Attempt{UserID: u.ID, ItemID: it.ID, ItemType: string(it.Type), Section: it.Section, Credentials: it.Credentials,
				Source: []string{"practice", "exam", "live"}[rng.IntN(3)], At: at, Result: []byte(`{}`)}
			if it.Type == exercises.Case {
				a.KeyCodes = 2 + rng.IntN(5)
				for range a.KeyCodes {
					if rng.Float64() < skill {
						a.Correct++
					}
				}
				a.Findings = map[string]int{}
				for range a.KeyCodes - a.Correct {
					a.Findings[findings[rng.IntN(len(findings))]]++
				}
				a.Answer, a.Score = "E11.9, I10", 100*float64(a.Correct)/float64(a.KeyCodes)
			} else {
				a.Answer = "B"
				if rng.Float64() < skill {
					a.Score = 100
				}
			}
			list[i] = a
		}
		if err := db.AddAttempts(list); err != nil {
			b.Fatal(err)
		}
	}
	team := store.Team{Name: "Bench team", Supervisors: []string{sup.ID}, Members: members, Created: benchNow.AddDate(0, -2, 0)}
	if err := db.CreateTeam(&team); err != nil {
		b.Fatal(err)
	}
	for _, a := range []store.Assignment{
		{Title: "E/M drill", Kind: store.AssignDrill, Section: "E/M", Count: 10},
		{Title: "Diagnostic", Kind: store.AssignExam, Blueprint: "exam-diagnostic"},
	} {
		a.TeamID, a.CreatedBy, a.Created, a.Due = team.ID, sup.ID, benchNow.AddDate(0, 0, -3), benchNow.AddDate(0, 0, 7)
		if err := db.CreateAssignment(&a); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded in %s", time.Since(start).Round(time.Second))
	return path
}

// BenchmarkTeamDashboard measures the server time of the team dashboard (GET /teams/{id}) for
// a 50-person team in a store of 500 people × 2,000 attempts: heat map, trend, error mix,
// attention list and assignment completion, rendered.
func BenchmarkTeamDashboard(b *testing.B) {
	path := benchStorePath(b)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	book, cat := library(b)
	s, err := New(Config{}, Deps{Book: book, Catalog: cat, Store: db, Now: func() time.Time { return benchNow }})
	if err != nil {
		b.Fatal(err)
	}
	sup, err := db.UserByName("bench-supervisor")
	if err != nil {
		b.Fatal(err)
	}
	teams, err := db.Teams()
	if err != nil || len(teams) != 1 {
		b.Fatal(err)
	}
	token := randomToken(32)
	if err := db.CreateSession(store.Session{ID: sessionID(token), UserID: sup.ID, Created: benchNow, Expires: benchNow.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/teams/"+teams[0].ID, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.Clone(req.Context()))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %.300s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
}
