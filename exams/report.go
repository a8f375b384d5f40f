package exams

import (
	"math"
	"time"

	"chartcode/exercises"
	"chartcode/grading"
	"chartcode/grading/codeset"
)

// Report is a graded exam.
type Report struct {
	Score       float64        `json:"score"`  // 0-100, one decimal: the mean of the item scores
	Passed      bool           `json:"passed"` // Score >= PassMark
	PassMark    float64        `json:"passMark"`
	TimeUsed    time.Duration  `json:"timeUsed"` // Submitted - Started, at most the time limit
	SubmittedBy string         `json:"submittedBy"`
	Answered    int            `json:"answered"`
	Total       int            `json:"total"`
	Sections    []SectionScore `json:"sections"` // in blueprint order, a section drawn by two lines once
	Items       []ItemResult   `json:"items"`    // in exam order
}

// SectionScore is the result of the items of one blueprint section.
type SectionScore struct {
	Section string  `json:"section"`
	Items   int     `json:"items"`
	Score   float64 `json:"score"`   // 0-100, one decimal: the mean of its item scores
	Correct int     `json:"correct"` // items with full marks
}

// ItemResult is the result of one item.
type ItemResult struct {
	ItemID   string         `json:"itemId"`
	Section  string         `json:"section"`
	Type     exercises.Type `json:"type,omitempty"` // empty when retired
	Score    float64        `json:"score"`          // 0-100, one decimal
	Answered bool           `json:"answered"`
	Answer   Answer         `json:"answer"`
	// Result is the graded answer of a code-entry item, line by line.
	Result *grading.Result `json:"result,omitempty"`
	// Picked and Correct are the letters of a choice item.
	Picked  []string `json:"picked,omitempty"`
	Correct []string `json:"correct,omitempty"`
	// Retired is set for an item no longer in the catalog (or no longer gradable): it scores 0.
	Retired bool `json:"retired,omitempty"`
}

// Grade scores a submitted exam. Code-entry items are graded with grading.Grade in the
// session's mode, choice items with grading.ScoreChoice; every item weighs the same, and an
// unanswered or retired item scores 0.
func Grade(s *Session, cat *exercises.Catalog, book *codeset.Book) (*Report, error) {
	if s.Submitted.IsZero() {
		return nil, ErrNotSubmitted
	}
	r := &Report{
		PassMark:    s.PassMark,
		TimeUsed:    max(min(s.Submitted.Sub(s.Started), s.Deadline.Sub(s.Started)), 0),
		SubmittedBy: s.SubmittedBy,
		Total:       len(s.Items),
		Sections:    []SectionScore{},
		Items:       make([]ItemResult, 0, len(s.Items)),
	}
	// Sums of unrounded item scores, so that rounding happens once per figure.
	var total float64
	sums := make([]float64, 0, 20)
	for i, id := range s.Items {
		a := s.Answers[id]
		ir := ItemResult{ItemID: id, Answered: a.Answered(), Answer: a}
		if i < len(s.Sections) {
			ir.Section = s.Sections[i]
		}
		var raw float64
		it, ok := cat.Item(id)
		switch {
		case !ok:
			ir.Retired = true
		case it.Type == exercises.Case && it.Key != nil:
			ir.Type, ir.Result = it.Type, grading.Grade(it.Key, a.Text, book, s.Mode)
			raw = ir.Result.Score
		case it.Type == exercises.Choice || it.Type == exercises.Multi:
			ir.Type, ir.Picked, ir.Correct = it.Type, a.Choices, it.Answer
			raw = 100 * grading.ScoreChoice(it.Answer, a.Choices)
		default:
			ir.Type, ir.Retired = it.Type, true
		}
		if ir.Section == "" && ok {
			ir.Section = it.Section
		}
		ir.Score = round1(raw)
		if ir.Answered {
			r.Answered++
		}
		total += raw
		r.Items = append(r.Items, ir)

		k := sectionIndex(r.Sections, ir.Section)
		if k == len(r.Sections) {
			r.Sections = append(r.Sections, SectionScore{Section: ir.Section})
			sums = append(sums, 0)
		}
		r.Sections[k].Items++
		sums[k] += raw
		if raw >= 100 {
			r.Sections[k].Correct++
		}
	}
	for k := range r.Sections {
		r.Sections[k].Score = round1(sums[k] / float64(r.Sections[k].Items))
	}
	if r.Total > 0 {
		r.Score = round1(total / float64(r.Total))
	}
	r.Passed = r.Score >= r.PassMark
	return r, nil
}

func sectionIndex(ss []SectionScore, section string) int {
	for k := range ss {
		if ss[k].Section == section {
			return k
		}
	}
	return len(ss)
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
