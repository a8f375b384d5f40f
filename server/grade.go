package server

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"chartcode/exercises"
	"chartcode/grading"
	"chartcode/server/store"
)

// maxAnswer bounds the answer text of one submission (a real claim is a few hundred bytes).
const maxAnswer = 4000

// outcome is a graded submission: what the result page and the API show, and what the store
// keeps in Attempt.Result.
type outcome struct {
	AttemptID string             `json:"attempt_id,omitempty"`
	ItemID    string             `json:"item_id"`
	Type      exercises.Type     `json:"type"`
	Score     float64            `json:"score"`
	Accuracy  float64            `json:"accuracy"`
	Mode      grading.Mode       `json:"mode"`
	Lines     []grading.Line     `json:"lines,omitempty"`   // code-entry items
	Key       string             `json:"key,omitempty"`     // the full key, shown once the answer is final
	Picked    []string           `json:"picked,omitempty"`  // choice items
	Correct   []string           `json:"correct,omitempty"` // choice items: the right letters
	Choices   []exercises.Option `json:"choices,omitempty"`
	// Rationale is added when a result is sent, never stored with the attempt.
	Rationale template.HTML `json:"rationale,omitempty"`
}

// submission is an answer as it arrives from a form or the API.
type submission struct {
	Answer  string   `json:"answer"`
	Choices []string `json:"choices"`
}

// grade grades a submission to it for u and stores the attempt. It returns only after the
// attempt is committed, so whatever the caller acknowledges is durable.
func (s *Server) grade(u store.User, it *exercises.Item, sub submission, source string) (*outcome, error) {
	out, a, err := s.gradeItem(it, sub, it.Mode)
	if err != nil {
		return nil, err
	}
	a.UserID, a.Source, a.At = u.ID, source, s.now()
	if err := s.db.AddAttempt(a); err != nil {
		return nil, fmt.Errorf("store attempt: %w", err)
	}
	out.AttemptID = a.ID
	return out, nil
}

// gradeItem grades a submission to it in mode (code-entry items) and returns the outcome and
// the attempt to store, without its person, source and time. It checks the submission (a 400
// error with a message for the person) and does no I/O.
func (s *Server) gradeItem(it *exercises.Item, sub submission, mode grading.Mode) (*outcome, *store.Attempt, error) {
	out := &outcome{ItemID: it.ID, Type: it.Type}
	a := &store.Attempt{ItemID: it.ID, Version: it.Version, ItemType: string(it.Type), Section: it.Section, Credentials: it.Credentials}
	switch it.Type {
	case exercises.Case:
		if utf8.RuneCountInString(sub.Answer) > maxAnswer {
			return nil, nil, badRequest("answer", "the answer is longer than %d characters", maxAnswer)
		}
		if strings.TrimSpace(sub.Answer) == "" {
			return nil, nil, badRequest("answer", "enter the codes you would report")
		}
		r := grading.Grade(it.Key, sub.Answer, s.book, mode)
		out.Score, out.Accuracy, out.Mode, out.Lines, out.Key = r.Score, r.Accuracy, r.Mode, r.Lines, it.Key.String()
		a.Answer, a.Score, a.Correct, a.KeyCodes, a.Extra = sub.Answer, r.Score, r.Correct, r.KeyCodes, r.Extra
		a.Findings = findingsOf(r.Lines)
	default:
		picked := make([]string, len(sub.Choices))
		for i, p := range sub.Choices {
			picked[i] = strings.ToUpper(strings.TrimSpace(p))
		}
		slices.Sort(picked)
		picked = slices.Compact(picked)
		if len(picked) == 0 {
			return nil, nil, badRequest("choices", "pick an answer")
		}
		for _, p := range picked {
			if !slices.ContainsFunc(it.Choices, func(o exercises.Option) bool { return o.Letter == p }) {
				return nil, nil, badRequest("choices", "%q is not one of the choices", p)
			}
		}
		if it.Type == exercises.Choice && len(picked) > 1 {
			return nil, nil, badRequest("choices", "pick one answer")
		}
		// Questions have no codes: they count in the scores, not in the code-level accuracy.
		frac := grading.ScoreChoice(it.Answer, picked)
		out.Score, out.Accuracy = math.Round(1000*frac)/10, frac
		out.Picked, out.Correct, out.Choices = picked, it.Answer, it.Choices
		a.Answer, a.Score = strings.Join(picked, ","), out.Score
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, nil, fmt.Errorf("encode result: %w", err)
	}
	a.Result = body
	return out, a, nil
}

// findingsOf counts the grader's findings on lines by status name, leaving out correct ones:
// the error mix an attempt keeps.
func findingsOf(lines []grading.Line) map[string]int {
	m := map[string]int{}
	for _, l := range lines {
		for _, f := range l.Findings.List() {
			if f != grading.Correct {
				m[f.String()]++
			}
		}
	}
	return m
}

// item finds an exercise by the :id of the route.
func (s *Server) item(id string) (*exercises.Item, error) {
	it, ok := s.lib().Item(id)
	if !ok {
		return nil, &httpError{Status: http.StatusNotFound, Msg: "no exercise has the id " + id}
	}
	return it, nil
}

// loadOutcome reads a stored attempt of u back into its outcome.
func (s *Server) loadOutcome(u store.User, id string) (store.Attempt, *outcome, error) {
	a, err := s.db.Attempt(u.ID, id)
	if err != nil {
		return a, nil, err
	}
	var out outcome
	if err := json.Unmarshal(a.Result, &out); err != nil {
		return a, nil, fmt.Errorf("attempt %s: %w", id, err)
	}
	out.AttemptID = a.ID
	return a, &out, nil
}
