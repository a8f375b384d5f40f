package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// testExam makes an open sitting of blueprint bp that started at start and lasts d.
func testExam(userID, bp string, start time.Time, d time.Duration) ExamRecord {
	return ExamRecord{
		UserID:      userID,
		BlueprintID: bp,
		Started:     start,
		Deadline:    start.Add(d),
		Data:        json.RawMessage(`{}`),
	}
}

// addExam creates a sitting or fails the test.
func addExam(t testing.TB, s *Store, r ExamRecord) ExamRecord {
	t.Helper()
	if err := s.CreateExam(&r); err != nil {
		t.Fatalf("CreateExam: %v", err)
	}
	return r
}

// sameExam reports how two records differ, comparing times as instants.
func sameExam(got, want ExamRecord) error {
	switch {
	case got.ID != want.ID || got.UserID != want.UserID || got.BlueprintID != want.BlueprintID:
		return fmt.Errorf("got %s/%s/%s, want %s/%s/%s", got.UserID, got.ID, got.BlueprintID, want.UserID, want.ID, want.BlueprintID)
	case !got.Started.Equal(want.Started) || !got.Deadline.Equal(want.Deadline) || !got.Submitted.Equal(want.Submitted):
		return fmt.Errorf("%s times %v %v %v, want %v %v %v", got.ID, got.Started, got.Deadline, got.Submitted,
			want.Started, want.Deadline, want.Submitted)
	case !bytes.Equal(got.Data, want.Data) || !bytes.Equal(got.Report, want.Report):
		return fmt.Errorf("%s data %s report %s, want %s and %s", got.ID, got.Data, got.Report, want.Data, want.Report)
	}
	return nil
}

// examIDs lists the IDs of records, in order.
func examIDs(list []ExamRecord) []string {
	ids := make([]string, 0, len(list))
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	return ids
}

// dueIndex returns the raw keys of the due index.
func dueIndex(t testing.TB, s *Store) []string {
	t.Helper()
	var keys []string
	if err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketExamDue)).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

// setKey is an UpdateExam function that sets key to value in Data, a JSON object.
func setKey(key, value string) func(r *ExamRecord) error {
	return func(r *ExamRecord) error {
		m := map[string]string{}
		if err := json.Unmarshal(r.Data, &m); err != nil {
			return err
		}
		m[key] = value
		data, err := json.Marshal(m)
		r.Data = data
		return err
	}
}

func TestCreateExamValidation(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(r *ExamRecord)
		want   error
	}{
		{"ok", func(r *ExamRecord) {}, nil},
		{"own ID", func(r *ExamRecord) { r.ID = "mine" }, nil},
		{"taken ID", func(r *ExamRecord) { r.ID = "mine" }, ErrExists},
		{"no user", func(r *ExamRecord) { r.UserID = "" }, ErrInvalid},
		{"unknown user", func(r *ExamRecord) { r.UserID = "nobody" }, ErrNotFound},
		{"no blueprint", func(r *ExamRecord) { r.BlueprintID = "" }, ErrInvalid},
		{"deadline before start", func(r *ExamRecord) { r.Deadline = r.Started.Add(-time.Second) }, ErrInvalid},
		{"zero deadline", func(r *ExamRecord) { r.Deadline = time.Time{} }, ErrInvalid},
		{"start before 1970", func(r *ExamRecord) { r.Started = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrInvalid},
		{"slash in ID", func(r *ExamRecord) { r.ID = "a/b" }, ErrInvalid},
		{"no data", func(r *ExamRecord) { r.Data = nil }, ErrInvalid},
		{"data not JSON", func(r *ExamRecord) { r.Data = json.RawMessage(`{"a":`) }, ErrInvalid},
		{"report not JSON", func(r *ExamRecord) { r.Report = json.RawMessage(`nope`) }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testExam(u.ID, "cpc-full", start, 4*time.Hour)
			tt.change(&r)
			in := r
			err := s.CreateExam(&r)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CreateExam: err = %v, want %v", err, tt.want)
			}
			if err != nil {
				if !reflect.DeepEqual(r, in) {
					t.Errorf("a refused record was changed: %+v", r)
				}
				return
			}
			if r.ID == "" || (in.ID != "" && r.ID != in.ID) {
				t.Errorf("ID = %q", r.ID)
			}
			got, err := s.Exam(u.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameExam(got, r); err != nil {
				t.Error(err)
			}
		})
	}
	// A zero start becomes now, and the ID sorts by it.
	before := time.Now()
	r := ExamRecord{UserID: u.ID, BlueprintID: "cpc-full", Deadline: before.Add(time.Hour), Data: json.RawMessage(`[]`)}
	if err := s.CreateExam(&r); err != nil {
		t.Fatal(err)
	}
	if r.Started.Before(before) || r.ID[:16] != timePrefix(r.Started) {
		t.Errorf("Started %v, ID %s", r.Started, r.ID)
	}
}

func TestExamLookups(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	bob := addUser(t, s, "bob", Student)
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	// Created out of order: the listing sorts by start, not by creation.
	a2 := addExam(t, s, testExam(alice.ID, "cpc-full", t0.Add(48*time.Hour), 4*time.Hour))
	a1 := addExam(t, s, testExam(alice.ID, "cpc-full", t0, 4*time.Hour))
	a3 := addExam(t, s, testExam(alice.ID, "ccs-short", t0.Add(24*time.Hour), time.Hour))
	b1 := addExam(t, s, testExam(bob.ID, "cpc-full", t0.Add(72*time.Hour), 4*time.Hour))

	list, err := s.Exams(alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := examIDs(list), []string{a2.ID, a3.ID, a1.ID}; !slices.Equal(got, want) {
		t.Errorf("Exams(alice) = %v, want newest first %v", got, want)
	}
	for i, want := range []ExamRecord{a2, a3, a1} {
		if err := sameExam(list[i], want); err != nil {
			t.Error(err)
		}
	}
	if list, err := s.Exams("nobody"); err != nil || len(list) != 0 {
		t.Errorf("Exams(unknown) = %v, %v", list, err)
	}

	tests := []struct {
		name      string
		user, bp  string
		want      string
		wantError error
	}{
		{"newest of two", alice.ID, "cpc-full", a2.ID, nil},
		{"only one", alice.ID, "ccs-short", a3.ID, nil},
		{"other user", bob.ID, "cpc-full", b1.ID, nil},
		{"never sat", bob.ID, "ccs-short", "", ErrNotFound},
		{"unknown user", "nobody", "cpc-full", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run("last/"+tt.name, func(t *testing.T) {
			r, err := s.LastExam(tt.user, tt.bp)
			if !errors.Is(err, tt.wantError) || (tt.wantError == nil) != (err == nil) {
				t.Fatalf("LastExam: err = %v, want %v", err, tt.wantError)
			}
			if r.ID != tt.want {
				t.Errorf("LastExam = %s, want %s", r.ID, tt.want)
			}
		})
	}

	for _, tt := range []struct{ user, id string }{{bob.ID, a1.ID}, {alice.ID, "missing"}, {alice.ID, ""}, {"", a1.ID}} {
		if _, err := s.Exam(tt.user, tt.id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Exam(%q, %q): err = %v, want ErrNotFound", tt.user, tt.id, err)
		}
	}
}

func TestUpdateExam(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	other := addUser(t, s, "bob", Student)
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fn      func(r *ExamRecord) error
		want    error
		changed bool
	}{
		{"save an answer", setKey("q1", "B"), nil, true},
		{"fn error", func(r *ExamRecord) error {
			r.Data = json.RawMessage(`{"q1":"lost"}`)
			r.Deadline = r.Deadline.Add(time.Hour)
			return boom
		}, boom, false},
		{"change ID", func(r *ExamRecord) error { r.ID = "other"; return setKey("q1", "C")(r) }, ErrInvalid, false},
		{"change user", func(r *ExamRecord) error { r.UserID = other.ID; return nil }, ErrInvalid, false},
		{"bad data", func(r *ExamRecord) error { r.Data = json.RawMessage(`{`); return nil }, ErrInvalid, false},
		{"deadline before start", func(r *ExamRecord) error { r.Deadline = r.Started.Add(-1); return nil }, ErrInvalid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := addExam(t, s, testExam(u.ID, "cpc-full", t0, time.Hour))
			err := s.UpdateExam(u.ID, r.ID, tt.fn)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("UpdateExam: err = %v, want %v", err, tt.want)
			}
			got, err := s.Exam(u.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.changed {
				if string(got.Data) != `{"q1":"B"}` {
					t.Errorf("Data = %s", got.Data)
				}
			} else if err := sameExam(got, r); err != nil {
				t.Errorf("refused update changed the record: %v", err)
			}
			if _, err := s.Exam(u.ID, "other"); !errors.Is(err, ErrNotFound) {
				t.Errorf("a record appeared under the new ID: %v", err)
			}
		})
	}
	called := false
	err := s.UpdateExam(u.ID, "missing", func(*ExamRecord) error { called = true; return nil })
	if !errors.Is(err, ErrNotFound) || called {
		t.Errorf("UpdateExam(missing): err = %v, fn called %v", err, called)
	}
}

// TestUpdateExamConcurrent saves answers from many goroutines at once, as several browser
// tabs could; none may be lost.
func TestUpdateExamConcurrent(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	r := addExam(t, s, testExam(u.ID, "cpc-full", time.Now().UTC(), time.Hour))
	const goroutines, each = 8, 10
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("g%d-q%d", g, i)
				if err := s.UpdateExam(u.ID, r.ID, setKey(key, key)); err != nil {
					t.Errorf("UpdateExam: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Exam(u.ID, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(got.Data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != goroutines*each {
		t.Errorf("%d answers kept, want %d", len(m), goroutines*each)
	}
	for g := range goroutines {
		for i := range each {
			if key := fmt.Sprintf("g%d-q%d", g, i); m[key] != key {
				t.Errorf("answer %s lost", key)
			}
		}
	}
}

func TestDueExams(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	bob := addUser(t, s, "bob", Student)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	long := addExam(t, s, testExam(alice.ID, "cpc-full", now.Add(-6*time.Hour), 4*time.Hour)) // due 2h ago
	bobLate := addExam(t, s, testExam(bob.ID, "cpc-full", now.Add(-time.Hour), 59*time.Minute))
	exact := addExam(t, s, testExam(bob.ID, "ccs-short", now.Add(-time.Hour), time.Hour)) // due at now
	open := addExam(t, s, testExam(alice.ID, "ccs-short", now.Add(-time.Hour), time.Hour+time.Nanosecond))
	done := addExam(t, s, testExam(alice.ID, "cpc-full", now.Add(-5*time.Hour), time.Hour))
	if err := s.FinishExam(alice.ID, done.ID, func(r *ExamRecord) ([]Attempt, error) {
		r.Submitted = now.Add(-4 * time.Hour)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Submitted at creation: never indexed.
	sub := testExam(bob.ID, "cpc-full", now.Add(-9*time.Hour), time.Hour)
	sub.Submitted = now.Add(-8 * time.Hour)
	addExam(t, s, sub)

	tests := []struct {
		name string
		now  time.Time
		want []string // earliest deadline first
	}{
		{"now", now, []string{long.ID, bobLate.ID, exact.ID}},
		{"a nanosecond before", now.Add(-1), []string{long.ID, bobLate.ID}},
		{"a nanosecond after", now.Add(1), []string{long.ID, bobLate.ID, exact.ID, open.ID}},
		{"long ago", now.Add(-24 * time.Hour), nil},
		{"before 1970", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), nil},
		{"far future", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), []string{long.ID, bobLate.ID, exact.ID, open.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.DueExams(tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := examIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("DueExams = %v, want %v", got, tt.want)
			}
			for _, r := range list {
				if !r.Submitted.IsZero() || r.Deadline.After(tt.now) || len(r.Data) == 0 {
					t.Errorf("DueExams returned %+v", r)
				}
			}
		})
	}

	// Moving the deadline moves the index entry; submitting through UpdateExam removes it.
	if err := s.UpdateExam(alice.ID, long.ID, func(r *ExamRecord) error {
		r.Deadline = now.Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateExam(bob.ID, bobLate.ID, func(r *ExamRecord) error {
		r.Submitted = now
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.DueExams(now); !slices.Equal(examIDs(list), []string{exact.ID}) {
		t.Errorf("after moving and submitting, DueExams = %v, want [%s]", examIDs(list), exact.ID)
	}
	if keys := dueIndex(t, s); len(keys) != 3 {
		t.Errorf("due index holds %d entries, want the 3 open sittings: %v", len(keys), keys)
	}

	// Deleting a user removes their sittings and index entries.
	if err := s.DeleteUser(alice.ID); err != nil {
		t.Fatal(err)
	}
	if keys := dueIndex(t, s); len(keys) != 1 {
		t.Errorf("after deleting alice the due index holds %v", keys)
	}
	if list, err := s.Exams(alice.ID); err != nil || len(list) != 0 {
		t.Errorf("Exams(deleted user) = %v, %v", list, err)
	}
	if list, err := s.DueExams(now.Add(24 * time.Hour)); err != nil || !slices.Equal(examIDs(list), []string{exact.ID}) {
		t.Errorf("DueExams after DeleteUser = %v, %v", examIDs(list), err)
	}
}

// examAttempts returns n attempts for an exam as the engine would: Source "exam", no user
// (FinishExam fills it in) and no time (the submission time).
func examAttempts(n int) []Attempt {
	list := make([]Attempt, n)
	for i := range list {
		list[i] = testAttempt("", i)
		list[i].Source = "exam"
	}
	return list
}

// finisher is a FinishExam function that submits at the given time with n attempts.
func finisher(at time.Time, n int, calls *atomic.Int64) func(r *ExamRecord) ([]Attempt, error) {
	return func(r *ExamRecord) ([]Attempt, error) {
		if calls != nil {
			calls.Add(1)
		}
		r.Submitted = at
		r.Data = json.RawMessage(`{"final":true}`)
		r.Report = json.RawMessage(`{"score":71.5}`)
		return examAttempts(n), nil
	}
}

func TestFinishExam(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		fn       func(r *ExamRecord) ([]Attempt, error)
		want     error
		attempts int // stored afterwards
	}{
		{"submit", finisher(now, 12, nil), nil, 12},
		{"no attempts", finisher(now, 0, nil), nil, 0},
		{"zero submitted becomes now", func(r *ExamRecord) ([]Attempt, error) { return examAttempts(2), nil }, nil, 2},
		{"fn error", func(r *ExamRecord) ([]Attempt, error) {
			finisher(now, 3, nil)(r)
			return nil, errors.New("boom")
		}, nil, 0},
		{"bad attempt rolls back", func(r *ExamRecord) ([]Attempt, error) {
			list, _ := finisher(now, 3, nil)(r)
			list[2].Score = 101
			return list, nil
		}, ErrInvalid, 0},
		{"another user's attempt", func(r *ExamRecord) ([]Attempt, error) {
			list, _ := finisher(now, 3, nil)(r)
			list[1].UserID = "someone-else"
			return list, nil
		}, ErrInvalid, 0},
		{"change ID", func(r *ExamRecord) ([]Attempt, error) {
			list, _ := finisher(now, 3, nil)(r)
			r.ID = "x"
			return list, nil
		}, ErrInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, Options{})
			u := addUser(t, s, "alice", Student)
			// An earlier practice attempt, so that the exam adds to existing aggregates.
			prior := testAttempt(u.ID, 40)
			if err := s.AddAttempt(&prior); err != nil {
				t.Fatal(err)
			}
			r := addExam(t, s, testExam(u.ID, "cpc-full", now.Add(-time.Hour), time.Hour))
			var returned []Attempt
			fn := func(r *ExamRecord) ([]Attempt, error) {
				list, err := tt.fn(r)
				returned = list
				return list, err
			}
			err := s.FinishExam(u.ID, r.ID, fn)
			succeeded := err == nil
			if tt.name == "fn error" {
				if err == nil || err.Error() != "store: finish exam: boom" {
					t.Fatalf("FinishExam: err = %v, want boom", err)
				}
			} else if !errors.Is(err, tt.want) || (tt.want == nil) != succeeded {
				t.Fatalf("FinishExam: err = %v, want %v", err, tt.want)
			}

			got, err := s.Exam(u.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			due, err := s.DueExams(now)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkConsistent(t, s, u.ID); n != 1+tt.attempts {
				t.Errorf("%d attempts stored, want %d", n, 1+tt.attempts)
			}
			if !succeeded {
				if err := sameExam(got, r); err != nil {
					t.Errorf("failed FinishExam changed the record: %v", err)
				}
				if !slices.Equal(examIDs(due), []string{r.ID}) {
					t.Errorf("failed FinishExam: DueExams = %v", examIDs(due))
				}
				return
			}
			if got.Submitted.IsZero() || string(got.Data) != `{"final":true}` && tt.name != "zero submitted becomes now" {
				t.Errorf("finished record %+v", got)
			}
			if len(due) != 0 || len(dueIndex(t, s)) != 0 {
				t.Errorf("finished sitting still due: %v", examIDs(due))
			}
			list, err := s.Attempts(u.ID, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			stored := map[string]Attempt{}
			for _, a := range list {
				stored[a.ID] = a
			}
			for i, a := range returned {
				sa, ok := stored[a.ID]
				switch {
				case a.ID == "" || !ok:
					t.Errorf("attempt %d: ID %q not written back or not stored", i, a.ID)
				case sa.UserID != u.ID || sa.Source != "exam" || !sa.At.Equal(got.Submitted):
					t.Errorf("attempt %d stored as %+v", i, sa)
				}
			}

			// A second submission loses, without calling fn.
			var calls atomic.Int64
			if err := s.FinishExam(u.ID, r.ID, finisher(now, 5, &calls)); !errors.Is(err, ErrExists) || calls.Load() != 0 {
				t.Errorf("second FinishExam: err = %v, fn called %d times", err, calls.Load())
			}
			if n := checkConsistent(t, s, u.ID); n != 1+tt.attempts {
				t.Errorf("after the second FinishExam %d attempts", n)
			}
		})
	}
	s := openTest(t, Options{})
	if err := s.FinishExam("nobody", "x", finisher(now, 1, nil)); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishExam(unknown): err = %v", err)
	}
}

// TestFinishExamConcurrent races people submitting against a sweeper: each sitting is
// finished exactly once, and attempts keep committing through db.Batch alongside.
func TestFinishExamConcurrent(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Now().UTC()
	users := []User{addUser(t, s, "alice", Student), addUser(t, s, "bob", Student)}
	const sittings, perExam, racers = 6, 5, 4
	var exams []ExamRecord
	for i := range sittings {
		exams = append(exams, addExam(t, s, testExam(users[i%2].ID, "cpc-full", now.Add(-2*time.Hour), time.Hour)))
	}
	var (
		wg        sync.WaitGroup
		wins      [sittings]atomic.Int64
		calls     atomic.Int64
		practiced atomic.Int64
	)
	for range racers {
		wg.Go(func() { // people pressing Submit
			for i, r := range exams {
				err := s.FinishExam(r.UserID, r.ID, finisher(now, perExam, &calls))
				switch {
				case err == nil:
					wins[i].Add(1)
				case !errors.Is(err, ErrExists):
					t.Errorf("FinishExam: %v", err)
				}
			}
		})
	}
	wg.Go(func() { // the sweeper
		due, err := s.DueExams(now)
		if err != nil {
			t.Error(err)
			return
		}
		for _, r := range due {
			err := s.FinishExam(r.UserID, r.ID, finisher(now, perExam, &calls))
			if err == nil {
				wins[slices.IndexFunc(exams, func(e ExamRecord) bool { return e.ID == r.ID })].Add(1)
			} else if !errors.Is(err, ErrExists) {
				t.Errorf("sweeper FinishExam: %v", err)
			}
		}
	})
	wg.Go(func() { // practice alongside
		for i := range 50 {
			a := testAttempt(users[i%2].ID, i)
			if err := s.AddAttempt(&a); err != nil {
				t.Error(err)
				return
			}
			practiced.Add(1)
		}
	})
	wg.Wait()
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("sitting %d finished %d times", i, n)
		}
	}
	if n := calls.Load(); n != sittings {
		t.Errorf("fn called %d times, want %d", n, sittings)
	}
	total := 0
	for _, u := range users {
		total += checkConsistent(t, s, u.ID)
	}
	if want := sittings*perExam + int(practiced.Load()); total != want {
		t.Errorf("%d attempts, want %d", total, want)
	}
	if keys := dueIndex(t, s); len(keys) != 0 {
		t.Errorf("due index not empty: %v", keys)
	}
}

// examState is everything the exam API shows of a store.
type examState struct {
	Exams map[string][]ExamRecord
	Due   []ExamRecord
}

func takeExamState(t testing.TB, s *Store, userIDs []string, now time.Time) examState {
	t.Helper()
	st := examState{Exams: map[string][]ExamRecord{}}
	for _, id := range userIDs {
		list, err := s.Exams(id)
		if err != nil {
			t.Fatal(err)
		}
		st.Exams[id] = list
	}
	var err error
	if st.Due, err = s.DueExams(now); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestExamsSurviveReopenAndBackup(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "chartcode.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	populate(t, s, now)
	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, u := range users {
		ids = append(ids, u.ID)
		addExam(t, s, testExam(u.ID, "ccs-short", now.Add(-3*time.Hour), time.Hour))
		r := addExam(t, s, testExam(u.ID, "cpc-full", now.Add(time.Duration(i)*time.Minute), 4*time.Hour))
		if err := s.UpdateExam(u.ID, r.ID, setKey("q1", "A")); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := s.FinishExam(u.ID, r.ID, finisher(now.Add(time.Hour), 3, nil)); err != nil {
				t.Fatal(err)
			}
		}
	}
	later := now.Add(5 * time.Hour)
	want := takeExamState(t, s, ids, later)
	if len(want.Due) != 5 || len(want.Exams[ids[0]]) != 2 || len(want.Exams[ids[0]][0].Report) == 0 {
		t.Fatalf("state incomplete: %+v", want)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := s.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{path, backup} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			s, err := Open(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := takeExamState(t, s, ids, later); !reflect.DeepEqual(got, want) {
				t.Errorf("exams differ:\ngot  %+v\nwant %+v", got, want)
			}
			for _, id := range ids {
				checkConsistent(t, s, id)
			}
		})
	}
}
