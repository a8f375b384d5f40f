package exams_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"chartcode/exams"
	"chartcode/exercises"
	"chartcode/grading"
)

func TestGrade(t *testing.T) {
	cat, book := load(t)
	// answerAll saves answer(it) for every item of s, at one-minute steps.
	answerAll := func(t *testing.T, s *exams.Session, c *clock, answer func(int, *exercises.Item) (exams.Answer, bool)) {
		for i, id := range s.Items {
			it, _ := cat.Item(id)
			a, ok := answer(i, it)
			if !ok {
				continue
			}
			if err := s.Save(id, a, c.Advance(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name      string
		blueprint string
		mode      *grading.Mode // overrides the blueprint's
		answer    func(int, *exercises.Item) (exams.Answer, bool)
		edit      func(*testing.T, *exams.Session) // before submission
		anyScore  bool                             // score and passed left to check
		score     float64
		passed    bool
		answered  int // -1: left to check
		check     func(*testing.T, *exams.Report)
	}{
		{name: "diagnostic, perfect", blueprint: "exam-diagnostic",
			answer: func(_ int, it *exercises.Item) (exams.Answer, bool) { return perfect(it), true },
			score:  100, passed: true, answered: 20,
			check: func(t *testing.T, r *exams.Report) {
				for _, sec := range r.Sections {
					if sec.Correct != sec.Items || sec.Score != 100 {
						t.Errorf("section %+v: want every item correct", sec)
					}
				}
			}},
		{name: "diagnostic, empty", blueprint: "exam-diagnostic", score: 0, answered: 0,
			check: func(t *testing.T, r *exams.Report) {
				for _, ir := range r.Items {
					if ir.Answered || ir.Score != 0 || len(ir.Correct) == 0 {
						t.Errorf("item %+v: want unanswered, 0, with the correct letters shown", ir)
					}
				}
			}},
		{name: "diagnostic, 14 of 20 is exactly the pass mark", blueprint: "exam-diagnostic",
			answer: func(i int, it *exercises.Item) (exams.Answer, bool) {
				if i < 14 {
					return perfect(it), true
				}
				return wrong(it), true
			},
			score: 70, passed: true, answered: 20},
		{name: "diagnostic, 13 of 20 fails", blueprint: "exam-diagnostic",
			answer: func(i int, it *exercises.Item) (exams.Answer, bool) { return perfect(it), i < 13 },
			score:  65, answered: 13},
		{name: "CPC, perfect", blueprint: "exam-cpc-mock",
			answer: func(_ int, it *exercises.Item) (exams.Answer, bool) { return perfect(it), true },
			score:  100, passed: true, answered: 100},
		{name: "CCS, perfect with code-entry cases", blueprint: "exam-ccs-mock",
			answer: func(_ int, it *exercises.Item) (exams.Answer, bool) { return perfect(it), true },
			score:  100, passed: true, answered: 46,
			check: func(t *testing.T, r *exams.Report) {
				cases := 0
				for _, ir := range r.Items {
					if ir.Type == exercises.Case {
						cases++
						if ir.Result == nil || ir.Result.Score != 100 || ir.Picked != nil {
							t.Errorf("case %s: %+v", ir.ItemID, ir)
						}
					}
				}
				if cases != 8 {
					t.Errorf("%d cases, want 8", cases)
				}
				// The two ICD-10-PCS lines (choice, then cases) make one section, in blueprint order.
				want := []string{"ICD-10-PCS", "Inpatient guidelines", "ICD-10-CM", "Compliance & regulatory"}
				var got []string
				for _, sec := range r.Sections {
					got = append(got, sec.Section)
				}
				if !slices.Equal(got, want) || r.Sections[0].Items != 16 || r.Sections[1].Items != 16 {
					t.Errorf("sections %+v, want %v with 16, 16, 8, 6 items", r.Sections, want)
				}
			}},
		{name: "CCS, cases half right, practice credit", blueprint: "exam-ccs-mock",
			answer: halfCases, answered: 8, anyScore: true,
			check: func(t *testing.T, r *exams.Report) {
				checkCases(t, r, func(s float64) bool { return s > 0 && s < 100 })
			}},
		{name: "CCS, cases half right, exam mode is all or nothing", blueprint: "exam-ccs-mock", mode: ptr(grading.Exam),
			answer: halfCases, answered: 8, score: 0,
			check: func(t *testing.T, r *exams.Report) { checkCases(t, r, func(s float64) bool { return s == 0 }) }},
		{name: "CCS, exam mode, perfect cases", blueprint: "exam-ccs-mock", mode: ptr(grading.Exam),
			answer:   func(_ int, it *exercises.Item) (exams.Answer, bool) { return perfect(it), it.Type == exercises.Case },
			answered: 8, score: round1(800.0 / 46),
			check: func(t *testing.T, r *exams.Report) { checkCases(t, r, func(s float64) bool { return s == 100 }) }},
		{name: "multi-response partial credit", blueprint: "exam-ccs-mock",
			answer: func(_ int, it *exercises.Item) (exams.Answer, bool) {
				if it.Type != exercises.Multi {
					return exams.Answer{}, false
				}
				return exams.Answer{Choices: it.Answer[:1]}, true // one of n correct choices
			},
			anyScore: true, answered: -1,
			check: func(t *testing.T, r *exams.Report) {
				for _, ir := range r.Items {
					if ir.Type == exercises.Multi && ir.Score != round1(100/float64(len(ir.Correct))) {
						t.Errorf("multi %s: %v with one of %d choices", ir.ItemID, ir.Score, len(ir.Correct))
					}
				}
			}},
		{name: "retired item", blueprint: "exam-diagnostic",
			answer: func(_ int, it *exercises.Item) (exams.Answer, bool) { return perfect(it), true },
			edit: func(t *testing.T, s *exams.Session) {
				// The first item of the exam was retired since it was drawn (and answered).
				delete(s.Answers, s.Items[0])
				s.Items[0] = "retired-item"
				s.Answers["retired-item"] = s.Answers[s.Items[1]]
			},
			score: 95, passed: true, answered: 20,
			check: func(t *testing.T, r *exams.Report) {
				ir := r.Items[0]
				if !ir.Retired || ir.Score != 0 || ir.Section != "E/M" || ir.Type != "" {
					t.Errorf("retired item reported as %+v", ir)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			_, s := sit(t, tt.blueprint, c)
			if tt.mode != nil {
				s.Mode = *tt.mode
			}
			if tt.answer != nil {
				answerAll(t, s, c, tt.answer)
			}
			if tt.edit != nil {
				tt.edit(t, s)
			}
			if _, err := exams.Grade(s, cat, book); !errors.Is(err, exams.ErrNotSubmitted) {
				t.Fatalf("grading a running exam: %v, want ErrNotSubmitted", err)
			}
			if err := s.Submit(exams.ByPerson, c.Advance(time.Minute)); err != nil {
				t.Fatal(err)
			}
			r, err := exams.Grade(s, cat, book)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.anyScore && (r.Score != tt.score || r.Passed != tt.passed) {
				t.Errorf("score %v passed %v, want %v %v", r.Score, r.Passed, tt.score, tt.passed)
			}
			if tt.answered >= 0 && r.Answered != tt.answered {
				t.Errorf("%d answered, want %d", r.Answered, tt.answered)
			}
			checkReport(t, s, r)
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// checkReport holds the invariants of every report: totals, item order, and section figures
// that add up to the whole.
func checkReport(t *testing.T, s *exams.Session, r *exams.Report) {
	t.Helper()
	if r.Total != len(s.Items) || len(r.Items) != r.Total || r.PassMark != s.PassMark {
		t.Errorf("total %d, %d items, pass mark %v; session has %d items, pass mark %v", r.Total, len(r.Items), r.PassMark, len(s.Items), s.PassMark)
	}
	if r.Score < 0 || r.Score > 100 || r.Passed != (r.Score >= r.PassMark) {
		t.Errorf("score %v, passed %v with pass mark %v", r.Score, r.Passed, r.PassMark)
	}
	if want := min(s.Submitted.Sub(s.Started), s.Deadline.Sub(s.Started)); r.TimeUsed != want {
		t.Errorf("time used %v, want %v", r.TimeUsed, want)
	}
	var sum, weighted float64
	full := 0
	for i, ir := range r.Items {
		if ir.ItemID != s.Items[i] || ir.Section != s.Sections[i] {
			t.Errorf("item %d is %s (%s), the exam has %s (%s)", i, ir.ItemID, ir.Section, s.Items[i], s.Sections[i])
		}
		sum += ir.Score
		if ir.Score == 100 {
			full++
		}
	}
	n, correct := 0, 0
	for _, sec := range r.Sections {
		n += sec.Items
		correct += sec.Correct
		weighted += sec.Score * float64(sec.Items)
	}
	if n != r.Total || correct != full {
		t.Errorf("sections hold %d items with %d correct; the exam has %d items with %d correct", n, correct, r.Total, full)
	}
	// Each figure is rounded to one decimal once: the sections and items agree with the whole
	// to within that rounding.
	if r.Total > 0 {
		if d := math.Abs(weighted/float64(r.Total) - r.Score); d > 0.1 {
			t.Errorf("sections average %v, the score is %v", weighted/float64(r.Total), r.Score)
		}
		if d := math.Abs(sum/float64(r.Total) - r.Score); d > 0.1 {
			t.Errorf("items average %v, the score is %v", sum/float64(r.Total), r.Score)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("report does not serialize: %v", err)
	}
}

// halfCases answers each code-entry case with the first half of its key (at least one line
// right, at least one missing) and leaves the questions blank.
func halfCases(_ int, it *exercises.Item) (exams.Answer, bool) {
	if it.Type != exercises.Case {
		return exams.Answer{}, false
	}
	key := *it.Key
	keep := max(1, len(key.Lines)/2)
	key.Lines = key.Lines[:keep]
	half := *it
	half.Key = &key
	return perfect(&half), true
}

func checkCases(t *testing.T, r *exams.Report, ok func(float64) bool) {
	t.Helper()
	for _, ir := range r.Items {
		if ir.Type == exercises.Case && !ok(ir.Score) {
			t.Errorf("case %s scores %v (%v)", ir.ItemID, ir.Score, ir.Result.Lines)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func round1(x float64) float64 { return math.Round(x*10) / 10 }
