package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// testAttempt makes a varied but deterministic attempt number i; At is left zero (now).
func testAttempt(userID string, i int) Attempt {
	sections := []string{"E/M", "Surgery", "Radiology", ""}
	credentials := [][]string{{"CPC"}, {"CPC", "CCS"}, {"CCS"}, nil, {"CPC", "CPC", ""}}
	a := Attempt{
		UserID:      userID,
		ItemID:      fmt.Sprintf("case-%d", i%7),
		ItemType:    []string{"case", "choice", "multi"}[i%3],
		Section:     sections[i%len(sections)],
		Credentials: credentials[i%len(credentials)],
		Source:      []string{"practice", "exam", "live"}[i%3],
		Answer:      "E11.9, I10",
		Score:       float64(i*37%301) / 3, // thirds, so that sums round
		Correct:     i % 3,
		KeyCodes:    2 + i%2,
		Extra:       i % 2,
		Result:      json.RawMessage(fmt.Sprintf(`{"n":%d,"codes":[{"code":"E11.9","status":"exact"}]}`, i)),
	}
	if i%3 > 0 {
		a.Findings = map[string]int{"specificity": i % 3}
	}
	if i%4 == 1 {
		if a.Findings == nil {
			a.Findings = map[string]int{}
		}
		a.Findings["missing"] = 1
	}
	return a
}

// sameAggregates compares aggregates, allowing ScoreSum the rounding of a different
// summation order.
func sameAggregates(got, want []Aggregate) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d aggregates, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		switch {
		case g.Key != w.Key:
			return fmt.Errorf("aggregate %d key %q, want %q", i, g.Key, w.Key)
		case g.Attempts != w.Attempts || g.Correct != w.Correct || g.KeyCodes != w.KeyCodes || g.Extra != w.Extra:
			return fmt.Errorf("%s counts %+v, want %+v", g.Key, g, w)
		case math.Abs(g.ScoreSum-w.ScoreSum) > 1e-9*math.Max(1, math.Abs(w.ScoreSum)):
			return fmt.Errorf("%s ScoreSum %v, want %v", g.Key, g.ScoreSum, w.ScoreSum)
		case !maps.Equal(g.Findings, w.Findings):
			return fmt.Errorf("%s findings %v, want %v", g.Key, g.Findings, w.Findings)
		case !g.Last.Equal(w.Last):
			return fmt.Errorf("%s Last %v, want %v", g.Key, g.Last, w.Last)
		}
	}
	return nil
}

func sameItems(got, want map[string]ItemSummary) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d item summaries, want %d", len(got), len(want))
	}
	for id, w := range want {
		g := got[id]
		if g.ItemID != w.ItemID || g.Attempts != w.Attempts || g.Best != w.Best || g.Last != w.Last ||
			!g.LastAt.Equal(w.LastAt) || g.LastID != w.LastID {
			return fmt.Errorf("item %s: %+v, want %+v", id, g, w)
		}
	}
	return nil
}

// checkConsistent checks that a user's stored aggregates and item summaries are what their
// attempts add up to, and returns the number of attempts.
func checkConsistent(t testing.TB, s *Store, userID string) int {
	t.Helper()
	stored, err := s.Aggregates(userID)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := s.Recompute(userID)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameAggregates(stored, fresh); err != nil {
		t.Errorf("user %s: stored aggregates differ from Recompute: %v", userID, err)
	}
	items, err := s.ItemSummaries(userID)
	if err != nil {
		t.Fatal(err)
	}
	var freshItems map[string]ItemSummary
	if err := s.db.View(func(tx *bbolt.Tx) error {
		_, freshItems, err = recompute(tx, userID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := sameItems(items, freshItems); err != nil {
		t.Errorf("user %s: stored item summaries differ from the attempts: %v", userID, err)
	}
	list, err := s.Attempts(userID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) > 0 && (len(stored) == 0 || stored[0].Key != KeyAll || stored[0].Attempts != len(list)) {
		t.Errorf("user %s: %d attempts but aggregates %+v", userID, len(list), stored)
	}
	return len(list)
}

func TestAddAttemptValidation(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	tests := []struct {
		name   string
		change func(a *Attempt)
		err    error
	}{
		{"ok", func(a *Attempt) {}, nil},
		{"score 0", func(a *Attempt) { a.Score = 0 }, nil},
		{"score 100", func(a *Attempt) { a.Score = 100 }, nil},
		{"no result", func(a *Attempt) { a.Result = nil }, nil},
		{"no user", func(a *Attempt) { a.UserID = "" }, ErrInvalid},
		{"no item", func(a *Attempt) { a.ItemID = "" }, ErrInvalid},
		{"score below 0", func(a *Attempt) { a.Score = -0.1 }, ErrInvalid},
		{"score above 100", func(a *Attempt) { a.Score = 100.5 }, ErrInvalid},
		{"score NaN", func(a *Attempt) { a.Score = math.NaN() }, ErrInvalid},
		{"negative count", func(a *Attempt) { a.Extra = -1 }, ErrInvalid},
		{"result not JSON", func(a *Attempt) { a.Result = json.RawMessage("{oops") }, ErrInvalid},
		{"before 1970", func(a *Attempt) { a.At = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) }, ErrInvalid},
		{"unknown user", func(a *Attempt) { a.UserID = "nobody" }, ErrNotFound},
	}
	stored := 0
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAttempt(u.ID, i)
			tt.change(&a)
			orig := a
			err := s.AddAttempt(&a)
			if !errors.Is(err, tt.err) {
				t.Fatalf("AddAttempt err = %v, want %v", err, tt.err)
			}
			if err != nil {
				if a.ID != "" || !a.At.Equal(orig.At) {
					t.Errorf("failed AddAttempt changed its argument: ID %q At %v", a.ID, a.At)
				}
				return
			}
			stored++
			if len(a.ID) != 20 || a.At.IsZero() {
				t.Errorf("AddAttempt assigned ID %q At %v", a.ID, a.At)
			}
			got, err := s.Attempt(u.ID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != a.ID || !got.At.Equal(a.At) || got.Score != a.Score || got.ItemID != a.ItemID ||
				got.Answer != a.Answer || !maps.Equal(got.Findings, a.Findings) || strings.Join(got.Credentials, "|") != strings.Join(a.Credentials, "|") {
				t.Errorf("Attempt = %+v, want %+v", got, a)
			}
			wantResult := string(a.Result)
			if a.Result == nil {
				wantResult = "null"
			}
			if string(got.Result) != wantResult {
				t.Errorf("Result = %s, want %s", got.Result, wantResult)
			}
		})
	}
	if n := checkConsistent(t, s, u.ID); n != stored {
		t.Errorf("%d attempts stored, want %d", n, stored)
	}
	for _, tt := range []struct{ user, id string }{{u.ID, "nope"}, {u.ID, ""}, {"nobody", "x"}} {
		if _, err := s.Attempt(tt.user, tt.id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Attempt(%q, %q): err = %v, want ErrNotFound", tt.user, tt.id, err)
		}
	}
}

func TestAttemptsOrderAndPages(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	bob := addUser(t, s, "bob", Student)
	t0 := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	// Added out of order; two pairs share a timestamp.
	offsets := []int{5, 1, 9, 3, 3, 0, 7, 2, 8, 4, 6, 11, 10, 12, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22}
	for i, off := range offsets {
		a := testAttempt(alice.ID, i)
		a.At = t0.Add(time.Duration(off) * time.Hour)
		if err := s.AddAttempt(&a); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(a.ID, timePrefix(a.At)) {
			t.Errorf("ID %s does not start with the time %s", a.ID, timePrefix(a.At))
		}
		other := testAttempt(bob.ID, i)
		if err := s.AddAttempt(&other); err != nil {
			t.Fatal(err)
		}
	}

	all, err := s.Attempts(alice.ID, "", 0)
	if err != nil || len(all) != len(offsets) {
		t.Fatalf("Attempts = %d, %v; want %d", len(all), err, len(offsets))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].ID <= all[i].ID || all[i-1].At.Before(all[i].At) {
			t.Errorf("not newest first at %d: %s (%v) then %s (%v)", i, all[i-1].ID, all[i-1].At, all[i].ID, all[i].At)
		}
	}
	for _, a := range all {
		if a.UserID != alice.ID {
			t.Errorf("alice's list holds %s's attempt", a.UserID)
		}
	}

	for _, limit := range []int{1, 7, 10, 25, 100} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			var got []Attempt
			before := ""
			for pages := 0; ; pages++ {
				page, err := s.Attempts(alice.ID, before, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("page of %d, limit %d", len(page), limit)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				before = page[len(page)-1].ID
				if pages > len(offsets) {
					t.Fatal("pagination does not end")
				}
			}
			if len(got) != len(all) {
				t.Fatalf("pages hold %d attempts, want %d", len(got), len(all))
			}
			for i := range got {
				if got[i].ID != all[i].ID {
					t.Fatalf("attempt %d of the pages is %s, want %s", i, got[i].ID, all[i].ID)
				}
			}
		})
	}

	// before need not be an existing ID.
	mid := timePrefix(t0.Add(10 * time.Hour))
	page, err := s.Attempts(alice.ID, mid, 3)
	if err != nil || len(page) != 3 || !page[0].At.Equal(t0.Add(9*time.Hour)) {
		t.Errorf("Attempts(before 10h) = %v, %v; want 3 starting at 9h", page, err)
	}
	if page, err := s.Attempts(alice.ID, "zzzz", 2); err != nil || len(page) != 2 || page[0].ID != all[0].ID {
		t.Errorf("Attempts(before past the end) = %v, %v", page, err)
	}
	if page, err := s.Attempts(alice.ID, "0", 5); err != nil || len(page) != 0 {
		t.Errorf("Attempts(before the start) = %v, %v; want none", page, err)
	}
	if page, err := s.Attempts("nobody", "", 5); err != nil || len(page) != 0 {
		t.Errorf("Attempts(unknown user) = %v, %v; want none", page, err)
	}

	since := []struct {
		name string
		t    time.Time
		want int
	}{
		{"the start", t0, len(offsets)},
		{"long ago", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), len(offsets)},
		{"exactly 12h (two at 12h)", t0.Add(12 * time.Hour), 12},
		{"12h and a nanosecond", t0.Add(12*time.Hour + 1), 10},
		{"after the last", t0.Add(23 * time.Hour), 0},
		{"far future", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range since {
		t.Run("since "+tt.name, func(t *testing.T) {
			got, err := s.AttemptsSince(alice.ID, tt.t)
			if err != nil || len(got) != tt.want {
				t.Fatalf("AttemptsSince = %d, %v; want %d", len(got), err, tt.want)
			}
			for i, a := range got {
				if a.At.Before(tt.t) {
					t.Errorf("attempt at %v is before %v", a.At, tt.t)
				}
				if i > 0 && got[i-1].ID >= a.ID {
					t.Errorf("not oldest first at %d", i)
				}
			}
		})
	}
}

func TestAggregatesAndItems(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	t0 := time.Date(2025, 2, 1, 8, 0, 0, 0, time.UTC)
	add := []Attempt{
		{ItemID: "c1", Section: "E/M", Credentials: []string{"CPC"}, Score: 50, Correct: 1, KeyCodes: 2, Extra: 0,
			Findings: map[string]int{"missing": 1}, At: t0},
		{ItemID: "c1", Section: "E/M", Credentials: []string{"CPC", "CCS"}, Score: 100, Correct: 2, KeyCodes: 2, Extra: 0, At: t0.Add(time.Hour)},
		{ItemID: "c2", Section: "Surgery", Credentials: []string{"CCS"}, Score: 25, Correct: 1, KeyCodes: 3, Extra: 1,
			Findings: map[string]int{"specificity": 1, "missing": 1}, At: t0.Add(30 * time.Minute)},
		{ItemID: "c1", Section: "E/M", Credentials: []string{"CPC"}, Score: 75, Correct: 1, KeyCodes: 2, Extra: 1,
			Findings: map[string]int{"modifier": 1}, At: t0.Add(2 * time.Hour)},
	}
	var ids []string
	for _, a := range add {
		a.UserID = u.ID
		if err := s.AddAttempt(&a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	want := []Aggregate{
		{Key: "all", Attempts: 4, ScoreSum: 250, Correct: 5, KeyCodes: 9, Extra: 2,
			Findings: map[string]int{"missing": 2, "specificity": 1, "modifier": 1}, Last: t0.Add(2 * time.Hour)},
		{Key: "credential:CCS", Attempts: 2, ScoreSum: 125, Correct: 3, KeyCodes: 5, Extra: 1,
			Findings: map[string]int{"specificity": 1, "missing": 1}, Last: t0.Add(time.Hour)},
		{Key: "credential:CPC", Attempts: 3, ScoreSum: 225, Correct: 4, KeyCodes: 6, Extra: 1,
			Findings: map[string]int{"missing": 1, "modifier": 1}, Last: t0.Add(2 * time.Hour)},
		{Key: "section:E/M", Attempts: 3, ScoreSum: 225, Correct: 4, KeyCodes: 6, Extra: 1,
			Findings: map[string]int{"missing": 1, "modifier": 1}, Last: t0.Add(2 * time.Hour)},
		{Key: "section:Surgery", Attempts: 1, ScoreSum: 25, Correct: 1, KeyCodes: 3, Extra: 1,
			Findings: map[string]int{"specificity": 1, "missing": 1}, Last: t0.Add(30 * time.Minute)},
	}
	got, err := s.Aggregates(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameAggregates(got, want); err != nil {
		t.Errorf("Aggregates: %v\ngot %+v", err, got)
	}
	checkConsistent(t, s, u.ID)

	stats := []struct {
		key            string
		mean, accuracy float64
	}{
		{"all", 62.5, 5.0 / 11},
		{"credential:CCS", 62.5, 0.5},
		{"section:Surgery", 25, 0.25},
	}
	for _, tt := range stats {
		for _, g := range got {
			if g.Key == tt.key && (g.MeanScore() != tt.mean || math.Abs(g.Accuracy()-tt.accuracy) > 1e-12) {
				t.Errorf("%s: mean %v accuracy %v; want %v %v", g.Key, g.MeanScore(), g.Accuracy(), tt.mean, tt.accuracy)
			}
		}
	}
	if m, a := (Aggregate{}).MeanScore(), (Aggregate{}).Accuracy(); m != 0 || a != 0 {
		t.Errorf("empty aggregate: mean %v accuracy %v", m, a)
	}

	items, err := s.ItemSummaries(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantItems := map[string]ItemSummary{
		"c1": {ItemID: "c1", Attempts: 3, Best: 100, Last: 75, LastAt: t0.Add(2 * time.Hour), LastID: ids[3]},
		"c2": {ItemID: "c2", Attempts: 1, Best: 25, Last: 25, LastAt: t0.Add(30 * time.Minute), LastID: ids[2]},
	}
	if err := sameItems(items, wantItems); err != nil {
		t.Error(err)
	}

	// A back-dated attempt (an import, a late live-quiz write) counts, but is not the latest.
	late := Attempt{UserID: u.ID, ItemID: "c2", Score: 90, At: t0.Add(-time.Hour), Credentials: []string{"CCS"}}
	if err := s.AddAttempt(&late); err != nil {
		t.Fatal(err)
	}
	items, err = s.ItemSummaries(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantItems["c2"] = ItemSummary{ItemID: "c2", Attempts: 2, Best: 90, Last: 25, LastAt: t0.Add(30 * time.Minute), LastID: ids[2]}
	if err := sameItems(items, wantItems); err != nil {
		t.Errorf("after a back-dated attempt: %v", err)
	}
	aggs, err := s.Aggregates(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range aggs {
		if g.Key == "credential:CCS" && (g.Attempts != 3 || !g.Last.Equal(t0.Add(time.Hour))) {
			t.Errorf("after a back-dated attempt %s = %+v", g.Key, g)
		}
	}
	checkConsistent(t, s, u.ID)

	if items, err := s.ItemSummaries("nobody"); err != nil || len(items) != 0 {
		t.Errorf("ItemSummaries(unknown) = %v, %v", items, err)
	}
	if aggs, err := s.Aggregates("nobody"); err != nil || len(aggs) != 0 {
		t.Errorf("Aggregates(unknown) = %v, %v", aggs, err)
	}
}

// TestAddAttemptTxIdempotent runs the transaction function twice in one transaction, as a
// re-run by db.Batch could, and checks the attempt counts once.
func TestAddAttemptTxIdempotent(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	a := testAttempt(u.ID, 1)
	a.At = time.Now().UTC()
	a.ID = attemptID(a.At, 1)
	data, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	keys := aggregateKeys(&a)
	err = s.db.Update(func(tx *bbolt.Tx) error {
		for range 2 {
			if err := addAttempt(tx, &a, data, keys); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := checkConsistent(t, s, u.ID); n != 1 {
		t.Fatalf("%d attempts", n)
	}
	aggs, _ := s.Aggregates(u.ID)
	for _, g := range aggs {
		if g.Attempts != 1 {
			t.Errorf("%s counted %d times", g.Key, g.Attempts)
		}
	}
	// A different attempt under the same ID is refused, not merged.
	b := a
	b.Score = 1
	other, _ := json.Marshal(&b)
	err = s.db.Update(func(tx *bbolt.Tx) error { return addAttempt(tx, &b, other, keys) })
	if !errors.Is(err, ErrExists) {
		t.Errorf("second attempt under one ID: err = %v, want ErrExists", err)
	}
}

func TestConcurrentAddAttempt(t *testing.T) {
	tests := []struct {
		name                  string
		opt                   Options
		goroutines, perWorker int
	}{
		{"batch", Options{}, 8, 200},
		{"no batch", Options{NoBatch: true}, 8, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, tt.opt)
			var users []User
			for _, name := range []string{"alice", "bob", "carol"} {
				users = append(users, addUser(t, s, name, Student))
			}
			var wg sync.WaitGroup
			var refused atomic.Int64
			done := make(chan struct{})
			for g := range tt.goroutines {
				wg.Go(func() {
					for i := range tt.perWorker {
						n := g*tt.perWorker + i
						a := testAttempt(users[n%len(users)].ID, n)
						if n%50 == 0 {
							// A failing call inside a batch makes bbolt re-run the others.
							a.UserID = "nobody"
							if err := s.AddAttempt(&a); !errors.Is(err, ErrNotFound) {
								t.Errorf("attempt for an unknown user: %v", err)
							}
							refused.Add(1)
							continue
						}
						if err := s.AddAttempt(&a); err != nil {
							t.Errorf("AddAttempt: %v", err)
							return
						}
					}
				})
			}
			// Readers alongside the writers.
			var readers sync.WaitGroup
			readers.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := s.Aggregates(users[0].ID); err != nil {
						t.Error(err)
						return
					}
					if _, err := s.Attempts(users[1].ID, "", 20); err != nil {
						t.Error(err)
						return
					}
				}
			})
			wg.Wait()
			close(done)
			readers.Wait()

			total := 0
			for _, u := range users {
				total += checkConsistent(t, s, u.ID)
			}
			if want := tt.goroutines*tt.perWorker - int(refused.Load()); total != want {
				t.Errorf("%d attempts stored, want %d", total, want)
			}
		})
	}
}

func benchmarkAddAttempt(b *testing.B, opt Options) {
	s := openTest(b, opt)
	var users []string
	for i := range 16 {
		users = append(users, addUser(b, s, fmt.Sprintf("user%02d", i), Student).ID)
	}
	// A result of about the size the server renders for a case study.
	result := json.RawMessage(`{"codes":[` + strings.Repeat(`{"code":"E11.65","status":"exact","note":"Type 2 diabetes mellitus with hyperglycemia"},`, 12) +
		`{"code":"I10","status":"exact"}],"score":87.5}`)
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			a := testAttempt(users[n%len(users)], n)
			a.Result = result
			if err := s.AddAttempt(&a); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
}

// BenchmarkAddAttemptBatch: concurrent submissions share transactions and fsyncs (db.Batch).
func BenchmarkAddAttemptBatch(b *testing.B) { benchmarkAddAttempt(b, Options{}) }

// BenchmarkAddAttemptNoBatch: one transaction and fsync per submission (db.Update).
func BenchmarkAddAttemptNoBatch(b *testing.B) { benchmarkAddAttempt(b, Options{NoBatch: true}) }

// BenchmarkAddAttemptBatchDelay: how long db.Batch waits for company (Options.BatchDelay)
// against throughput; with a fast disk the default 10ms wait, not the fsync, is the limit.
func BenchmarkAddAttemptBatchDelay(b *testing.B) {
	for _, d := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond} {
		b.Run(d.String(), func(b *testing.B) { benchmarkAddAttempt(b, Options{BatchDelay: d}) })
	}
}
