package exams_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"chartcode/exams"
	"chartcode/grading"
)

func TestStart(t *testing.T) {
	c := newClock()
	b, s := sit(t, "exam-ccs-mock", c)
	if s.Deadline != c.Now().Add(4*time.Hour) || s.Started != c.Now() {
		t.Errorf("started %v, deadline %v; want %v and 4 hours later", s.Started, s.Deadline, c.Now())
	}
	if s.PassMark != 70 || s.Title != b.Title || s.BlueprintID != b.ID || s.UserID != "u1" || len(s.Items) != 46 {
		t.Errorf("session %+v does not match the blueprint", s)
	}
	// Sections follow the blueprint lines: 12 PCS, 12 guidelines, 8 CM, 6 compliance, 4 PCS cases, 4 guideline cases.
	if s.Sections[0] != "ICD-10-PCS" || s.Sections[12] != "Inpatient guidelines" || s.Sections[45] != "Inpatient guidelines" || s.Sections[38] != "ICD-10-PCS" {
		t.Errorf("sections %v do not follow the blueprint lines", s.Sections)
	}
	if a, f, n := s.Progress(); a != 0 || f != 0 || n != 46 {
		t.Errorf("progress %d answered, %d flagged of %d; want 0, 0 of 46", a, f, n)
	}
}

func TestClock(t *testing.T) {
	const limit = 45 * time.Minute
	tests := []struct {
		name      string
		at        time.Duration // after the start
		submitted bool
		remaining time.Duration
		open, due bool
	}{
		{name: "at the start", at: 0, remaining: limit, open: true},
		{name: "midway", at: 20 * time.Minute, remaining: 25 * time.Minute, open: true},
		{name: "a nanosecond before the deadline", at: limit - 1, remaining: 1, open: true},
		{name: "at the deadline", at: limit, remaining: 0, due: true},
		{name: "an hour late", at: limit + time.Hour, remaining: 0, due: true},
		{name: "submitted early", at: 10 * time.Minute, submitted: true},
		{name: "submitted, after the deadline", at: limit + time.Minute, submitted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			_, s := sit(t, "exam-diagnostic", c)
			if s.Deadline.Sub(s.Started) != limit {
				t.Fatalf("time limit %v, want %v", s.Deadline.Sub(s.Started), limit)
			}
			if tt.submitted {
				if err := s.Submit(exams.ByPerson, c.Advance(5*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			now := s.Started.Add(tt.at)
			if got := s.Remaining(now); got != tt.remaining {
				t.Errorf("Remaining = %v, want %v", got, tt.remaining)
			}
			if got := s.Open(now); got != tt.open {
				t.Errorf("Open = %v, want %v", got, tt.open)
			}
			if got := s.Due(now); got != tt.due {
				t.Errorf("Due = %v, want %v", got, tt.due)
			}
		})
	}
}

func TestSave(t *testing.T) {
	long := strings.Repeat("é", exams.MaxText)
	tests := []struct {
		name      string
		item      int // index in the exam, -1 for an item not in it
		answer    exams.Answer
		at        time.Duration
		submitted bool
		wantErr   error
		wantMsg   string // in the error
		want      exams.Answer
		wantNone  bool // no entry left
	}{
		{name: "choices normalized", answer: exams.Answer{Choices: []string{"c", " a", "C", "A"}}, want: exams.Answer{Choices: []string{"A", "C"}}},
		{name: "code text kept as typed", answer: exams.Answer{Text: "e1165, 99214 -25"}, want: exams.Answer{Text: "e1165, 99214 -25"}},
		{name: "4000 characters", answer: exams.Answer{Text: long}, want: exams.Answer{Text: long}},
		{name: "flag in the answer ignored", answer: exams.Answer{Choices: []string{"B"}, Flagged: true}, want: exams.Answer{Choices: []string{"B"}}},
		{name: "empty answer leaves nothing", answer: exams.Answer{Text: "  \n"}, wantNone: true},
		{name: "last moment", answer: exams.Answer{Choices: []string{"D"}}, at: 45*time.Minute - time.Nanosecond, want: exams.Answer{Choices: []string{"D"}}},
		{name: "4001 characters", answer: exams.Answer{Text: long + "x"}, wantErr: exams.ErrInvalidAnswer, wantMsg: "4001 characters"},
		{name: "invalid UTF-8", answer: exams.Answer{Text: "E11.9\xff"}, wantErr: exams.ErrInvalidAnswer, wantMsg: "UTF-8"},
		{name: "letter beyond F", answer: exams.Answer{Choices: []string{"A", "G"}}, wantErr: exams.ErrInvalidAnswer, wantMsg: `"G"`},
		{name: "two letters in one choice", answer: exams.Answer{Choices: []string{"AB"}}, wantErr: exams.ErrInvalidAnswer},
		{name: "empty choice", answer: exams.Answer{Choices: []string{""}}, wantErr: exams.ErrInvalidAnswer},
		{name: "text and choices", answer: exams.Answer{Text: "I10", Choices: []string{"A"}}, wantErr: exams.ErrInvalidAnswer, wantMsg: "not both"},
		{name: "unknown item", item: -1, answer: exams.Answer{Choices: []string{"A"}}, wantErr: exams.ErrNotInExam},
		{name: "at the deadline", answer: exams.Answer{Choices: []string{"A"}}, at: 45 * time.Minute, wantErr: exams.ErrClosed, wantMsg: "time was up"},
		{name: "late", answer: exams.Answer{Choices: []string{"A"}}, at: 2 * time.Hour, wantErr: exams.ErrClosed, wantMsg: "time was up"},
		{name: "after submission", answer: exams.Answer{Choices: []string{"A"}}, at: 10 * time.Minute, submitted: true, wantErr: exams.ErrClosed, wantMsg: "submitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			_, s := sit(t, "exam-diagnostic", c)
			id := "no-such-item"
			if tt.item >= 0 {
				id = s.Items[tt.item]
			}
			if tt.submitted {
				if err := s.Submit(exams.ByPerson, c.Advance(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			now := s.Started.Add(tt.at)
			err := s.Save(id, tt.answer, now)
			if !errors.Is(err, tt.wantErr) || (err != nil && !strings.Contains(err.Error(), tt.wantMsg)) {
				t.Fatalf("error %v, want %v with %q", err, tt.wantErr, tt.wantMsg)
			}
			got, ok := s.Answers[id]
			if tt.wantErr != nil || tt.wantNone {
				if ok {
					t.Errorf("answer %+v stored", got)
				}
				return
			}
			tt.want.Saved = now
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stored %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSetFlag(t *testing.T) {
	c := newClock()
	_, s := sit(t, "exam-diagnostic", c)
	first, second := s.Items[0], s.Items[1]
	steps := []struct {
		name    string
		do      func(now time.Time) error
		want    map[string]exams.Answer // Saved left out
		wantErr error
	}{
		{"flag an unanswered item", func(now time.Time) error { return s.SetFlag(first, true, now) },
			map[string]exams.Answer{first: {Flagged: true}}, nil},
		{"answering keeps the flag", func(now time.Time) error { return s.Save(first, exams.Answer{Choices: []string{"b"}}, now) },
			map[string]exams.Answer{first: {Choices: []string{"B"}, Flagged: true}}, nil},
		{"unflagging keeps the answer", func(now time.Time) error { return s.SetFlag(first, false, now) },
			map[string]exams.Answer{first: {Choices: []string{"B"}}}, nil},
		{"flag a second item", func(now time.Time) error { return s.SetFlag(second, true, now) },
			map[string]exams.Answer{first: {Choices: []string{"B"}}, second: {Flagged: true}}, nil},
		{"unflagging an unanswered item leaves nothing", func(now time.Time) error { return s.SetFlag(second, false, now) },
			map[string]exams.Answer{first: {Choices: []string{"B"}}}, nil},
		{"unknown item", func(now time.Time) error { return s.SetFlag("no-such-item", true, now) },
			map[string]exams.Answer{first: {Choices: []string{"B"}}}, exams.ErrNotInExam},
		{"after the deadline", func(now time.Time) error { return s.SetFlag(first, true, s.Deadline) },
			map[string]exams.Answer{first: {Choices: []string{"B"}}}, exams.ErrClosed},
	}
	for _, st := range steps {
		now := c.Advance(time.Minute)
		if err := st.do(now); !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: error %v, want %v", st.name, err, st.wantErr)
		}
		got := map[string]exams.Answer{}
		for id, a := range s.Answers {
			a.Saved = time.Time{}
			got[id] = a
		}
		if !reflect.DeepEqual(got, st.want) {
			t.Fatalf("%s: answers %+v, want %+v", st.name, got, st.want)
		}
	}
	if a, f, n := s.Progress(); a != 1 || f != 0 || n != 20 {
		t.Errorf("progress %d answered, %d flagged of %d; want 1, 0 of 20", a, f, n)
	}
	if un := s.Unanswered(); len(un) != 19 || un[0] != second || slices.Contains(un, first) {
		t.Errorf("unanswered %v: want the 19 others in exam order", un)
	}
}

func TestSubmit(t *testing.T) {
	const limit = 45 * time.Minute
	tests := []struct {
		name     string
		by       string
		at       time.Duration
		twice    bool
		wantErr  error
		wantBy   string
		wantAt   time.Duration // Submitted - Started
		wantFail bool          // an error that is no sentinel
	}{
		{name: "by the person, early", by: exams.ByPerson, at: 30 * time.Minute, wantBy: exams.ByPerson, wantAt: 30 * time.Minute},
		{name: "by the person, at the deadline", by: exams.ByPerson, at: limit, wantBy: exams.ByClock, wantAt: limit},
		{name: "by the person, late", by: exams.ByPerson, at: limit + 5*time.Minute, wantBy: exams.ByClock, wantAt: limit},
		{name: "by the clock, at the deadline", by: exams.ByClock, at: limit, wantBy: exams.ByClock, wantAt: limit},
		{name: "by the clock, hours late", by: exams.ByClock, at: 5 * time.Hour, wantBy: exams.ByClock, wantAt: limit},
		{name: "twice", by: exams.ByPerson, at: time.Minute, twice: true, wantErr: exams.ErrClosed, wantBy: exams.ByPerson, wantAt: time.Minute},
		{name: "by the clock, early", by: exams.ByClock, at: limit - time.Second, wantFail: true},
		{name: "by nobody", by: "robot", at: time.Minute, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			_, s := sit(t, "exam-diagnostic", c)
			now := s.Started.Add(tt.at)
			err := s.Submit(tt.by, now)
			if tt.twice {
				if err != nil {
					t.Fatal(err)
				}
				err = s.Submit(tt.by, now.Add(time.Second))
			}
			switch {
			case tt.wantFail:
				if err == nil || !s.Submitted.IsZero() {
					t.Fatalf("error %v, submitted %v; want a refusal", err, s.Submitted)
				}
				return
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if s.SubmittedBy != tt.wantBy || s.Submitted != s.Started.Add(tt.wantAt) {
				t.Errorf("submitted by %q at +%v, want %q at +%v", s.SubmittedBy, s.Submitted.Sub(s.Started), tt.wantBy, tt.wantAt)
			}
		})
	}
}

// TestLateSubmitKeepsAnswers: the answers saved before the deadline count when the person
// presses submit after it.
func TestLateSubmitKeepsAnswers(t *testing.T) {
	c := newClock()
	cat, book := load(t)
	_, s := sit(t, "exam-diagnostic", c)
	it, _ := cat.Item(s.Items[0])
	if err := s.Save(it.ID, perfect(it), s.Deadline.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(s.Items[1], exams.Answer{Choices: []string{"A"}}, s.Deadline.Add(time.Second)); !errors.Is(err, exams.ErrClosed) {
		t.Fatalf("late save: %v, want ErrClosed", err)
	}
	if err := s.Submit(exams.ByPerson, s.Deadline.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	r, err := exams.Grade(s, cat, book)
	if err != nil {
		t.Fatal(err)
	}
	if r.Answered != 1 || r.Items[0].Score != 100 || r.Score != 5 || r.TimeUsed != 45*time.Minute || r.SubmittedBy != exams.ByClock {
		t.Errorf("report: %d answered, first item %v, score %v, time used %v, by %s; want 1, 100, 5, 45m, clock",
			r.Answered, r.Items[0].Score, r.Score, r.TimeUsed, r.SubmittedBy)
	}
}

// TestTwoTabs: two tabs load the same stored session and each saves a different item. The
// caller applies each change to the latest stored copy, in either order: both changes survive,
// and the order does not matter (Save and SetFlag are per item, so they commute).
func TestTwoTabs(t *testing.T) {
	c := newClock()
	_, s := sit(t, "exam-diagnostic", c)
	if err := s.Save(s.Items[2], exams.Answer{Choices: []string{"C"}}, c.Advance(time.Minute)); err != nil {
		t.Fatal(err)
	}
	stored, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	now := c.Advance(time.Minute)
	tabA := func(s *exams.Session) error { return s.Save(s.Items[0], exams.Answer{Choices: []string{"A"}}, now) }
	tabB := func(s *exams.Session) error {
		if err := s.Save(s.Items[1], exams.Answer{Choices: []string{"B", "D"}}, now); err != nil {
			return err
		}
		return s.SetFlag(s.Items[2], true, now)
	}
	// apply runs each change as a request would: load the latest stored copy, change, store.
	apply := func(changes ...func(*exams.Session) error) *exams.Session {
		doc := stored
		for _, change := range changes {
			var s exams.Session
			if err := json.Unmarshal(doc, &s); err != nil {
				t.Fatal(err)
			}
			if err := change(&s); err != nil {
				t.Fatal(err)
			}
			if doc, err = json.Marshal(&s); err != nil {
				t.Fatal(err)
			}
		}
		var s exams.Session
		if err := json.Unmarshal(doc, &s); err != nil {
			t.Fatal(err)
		}
		return &s
	}
	ab, ba := apply(tabA, tabB), apply(tabB, tabA)
	if !reflect.DeepEqual(ab, ba) {
		t.Errorf("the order of the tabs matters:\n%+v\n%+v", ab.Answers, ba.Answers)
	}
	want := map[string]exams.Answer{
		s.Items[0]: {Choices: []string{"A"}, Saved: now},
		s.Items[1]: {Choices: []string{"B", "D"}, Saved: now},
		s.Items[2]: {Choices: []string{"C"}, Flagged: true, Saved: now},
	}
	if !reflect.DeepEqual(ab.Answers, want) {
		t.Errorf("answers %+v, want %+v", ab.Answers, want)
	}
}

func TestSessionJSON(t *testing.T) {
	c := newClock()
	_, s := sit(t, "exam-ccs-mock", c)
	s.Mode = grading.Exam
	if err := s.Save(s.Items[0], exams.Answer{Choices: []string{"a", "c"}}, c.Advance(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(s.Items[45], exams.Answer{Text: "K35.80, 0DTJ4ZZ"}, c.Advance(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlag(s.Items[3], true, c.Advance(time.Minute)); err != nil {
		t.Fatal(err)
	}
	running, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{`"submitted"`, `"submittedBy"`, `"ID"`} {
		if strings.Contains(string(running), absent) {
			t.Errorf("a running session has %s: %s", absent, running)
		}
	}
	if err := s.Submit(exams.ByPerson, c.Advance(time.Hour)); err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"id":"s-exam-ccs-mock"`, `"userId":"u1"`, `"blueprintId":"exam-ccs-mock"`, `"mode":"exam"`,
		`"passMark":70`, `"submittedBy":"person"`, `"submitted":"2026-03-14T10:03:00Z"`, `"choices":["A","C"]`, `"flagged":true`} {
		if !strings.Contains(string(doc), field) {
			t.Errorf("no %s in %s", field, doc)
		}
	}
	var back exams.Session
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, s) {
		t.Errorf("round trip changed the session:\n%+v\n%+v", s, &back)
	}
}
