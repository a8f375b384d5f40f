// Package competency decides how well a person codes in a domain, from the graded work they
// have done there: code-level accuracy over a recent window against the 95 % audit benchmark,
// with the amount of evidence behind it and the kinds of errors made (docs/competency.md).
// It is pure: the store keeps each person's recent evidence, and this package judges it.
package competency

import (
	"fmt"
	"time"
)

// Evidence is one graded answer as competency counts it.
type Evidence struct {
	At time.Time `json:"at"`
	// Units are what accuracy is measured in: for a code-entry answer, its key codes plus its
	// extra codes (the denominator of code-level accuracy); for a question, 1.
	Units int `json:"u"`
	// Correct units: exactly correct codes, or 1 for a fully right question.
	Correct int `json:"c"`
	// Errors counts the answer's errors by class.
	Errors Errors `json:"e,omitzero"`
	Source string `json:"s,omitempty"` // practice, exam or live
}

// Class is a kind of coding error, grouping the grader's statuses as audits report them.
type Class int

// The error classes, in the order reports show them.
const (
	Specificity      Class = iota // specificity, incomplete code, wrong level, related code
	SeventhCharacter              // 7th character
	Sequencing                    // principal or first-listed diagnosis not first
	ModifiersUnits                // modifiers and units
	Missing                       // a key code not given
	Extra                         // a code given that is not in the key
	Invalid                       // not a code, or not billable
	NumClasses
)

var classNames = [NumClasses]string{"specificity", "7th character", "sequencing", "modifiers/units", "missing", "extra", "invalid"}

func (c Class) String() string {
	if c >= 0 && c < NumClasses {
		return classNames[c]
	}
	return "unknown"
}

// Errors counts errors by class.
type Errors [NumClasses]int

// Total is the number of errors.
func (e Errors) Total() int {
	n := 0
	for _, v := range e {
		n += v
	}
	return n
}

func (e *Errors) add(o Errors) {
	for i, v := range o {
		e[i] += v
	}
}

// ClassOf maps a grader status name (grading.Status.String()) to its error class; ok is false
// for statuses that are not errors (correct) or not the coder's (unverified, unreadable).
func ClassOf(status string) (c Class, ok bool) {
	switch status {
	case "specificity", "incomplete-code", "wrong-level", "related-code":
		return Specificity, true
	case "seventh-character":
		return SeventhCharacter, true
	case "sequencing":
		return Sequencing, true
	case "modifier", "units":
		return ModifiersUnits, true
	case "missing":
		return Missing, true
	case "extra":
		return Extra, true
	case "invalid":
		return Invalid, true
	}
	return 0, false
}

// Classify turns a grader's findings (status name → count) into error counts.
func Classify(findings map[string]int) Errors {
	var e Errors
	for s, n := range findings {
		if c, ok := ClassOf(s); ok {
			e[c] += n
		}
	}
	return e
}

// Level is a person's standing in a domain.
type Level int

// The levels, from no judgement to concern.
const (
	NotEnoughEvidence Level = iota // too few units in the window to say
	Developing                     // below the benchmark, and not above it before
	Proficient                     // at or above the benchmark
	NeedsReview                    // below the benchmark after being at or above it
)

var levelNames = [...]string{"not enough evidence", "developing", "proficient", "needs review"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level's name.
func (l *Level) UnmarshalText(b []byte) error {
	for i, n := range levelNames {
		if n == string(b) {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("competency: unknown level %q", b)
}

// Policy is how evidence is judged.
type Policy struct {
	Units     int           // the window: the most recent answers adding up to this many units…
	Age       time.Duration // …none older than this
	MinUnits  int           // fewer units than this in the window: not enough evidence
	Benchmark float64       // accuracy (0–1) needed to be proficient
}

// Default is the policy the product uses: the last 50 codes within 90 days, at least 20 of
// them, against the 95 % audit benchmark.
var Default = Policy{Units: 50, Age: 90 * 24 * time.Hour, MinUnits: 20, Benchmark: 0.95}

// Keep is how many units of evidence the store must keep per person and domain for p: two
// windows (the current one and the one before, which tells "needs review" from "developing").
func (p Policy) Keep() int { return 2 * p.Units }

// Window is the evidence of one window, summed.
type Window struct {
	Units, Correct int
	Answers        int
	Errors         Errors
	From, To       time.Time // the oldest and newest answer in it
}

// Accuracy is Correct / Units, 0 without units.
func (w Window) Accuracy() float64 {
	if w.Units == 0 {
		return 0
	}
	return float64(w.Correct) / float64(w.Units)
}

// Assessment is the judgement of one person in one domain.
type Assessment struct {
	Level    Level
	Current  Window // the window judged
	Previous Window // the window before it, for "needs review"
}

// Assess judges evidence, newest first, at time now.
func (p Policy) Assess(ev []Evidence, now time.Time) Assessment {
	cutoff := now.Add(-p.Age)
	cur, rest := p.window(ev, cutoff)
	prev, _ := p.window(rest, time.Time{})
	a := Assessment{Current: cur, Previous: prev}
	switch {
	case cur.Units < p.MinUnits:
		a.Level = NotEnoughEvidence
	case cur.Accuracy() >= p.Benchmark:
		a.Level = Proficient
	case prev.Units >= p.MinUnits && prev.Accuracy() >= p.Benchmark:
		a.Level = NeedsReview
	default:
		a.Level = Developing
	}
	return a
}

// window sums whole answers from the front of ev (newest first) until they reach p.Units,
// skipping none and stopping at the first answer before cutoff. It returns the window and the
// evidence after it.
func (p Policy) window(ev []Evidence, cutoff time.Time) (Window, []Evidence) {
	var w Window
	i := 0
	for ; i < len(ev) && w.Units < p.Units; i++ {
		e := ev[i]
		if e.At.Before(cutoff) {
			break
		}
		if w.Answers == 0 {
			w.To = e.At
		}
		w.From = e.At
		w.Units += e.Units
		w.Correct += e.Correct
		w.Answers++
		w.Errors.add(e.Errors)
	}
	return w, ev[i:]
}

// Add puts e in front of ev (newest first; e may be older than some, it is inserted in order)
// and drops what keep units no longer need: the evidence beyond the answer that brings the
// total to keep units. It reuses ev's storage.
func Add(ev []Evidence, e Evidence, keep int) []Evidence {
	i := 0
	for i < len(ev) && ev[i].At.After(e.At) {
		i++
	}
	ev = append(ev, Evidence{})
	copy(ev[i+1:], ev[i:])
	ev[i] = e
	units := 0
	for j, x := range ev {
		units += x.Units
		if units >= keep {
			return ev[:j+1]
		}
	}
	return ev
}

// Merge merges lists (each newest first) into one, newest first, taking answers only until
// their units reach units: enough for Assess of a policy whose Keep() is units, without
// sorting everything.
func Merge(lists [][]Evidence, units int) []Evidence {
	heads := make([]int, len(lists))
	var out []Evidence
	total := 0
	for total < units {
		best := -1
		for i, l := range lists {
			if heads[i] < len(l) && (best < 0 || l[heads[i]].At.After(lists[best][heads[best]].At)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		e := lists[best][heads[best]]
		heads[best]++
		out = append(out, e)
		total += e.Units
	}
	return out
}
