package grading

import (
	"encoding/json"
	"strings"
)

// Status names what the grader found for one line of a result.
type Status uint8

// The statuses of GRADING.md, then those of lines that match no key line.
const (
	Correct Status = iota
	Units
	Modifier
	SeventhCharacter
	Specificity
	IncompleteCode
	WrongLevel
	RelatedCode
	Sequencing
	Extra
	Missing
	Invalid
	Unreadable
	Unverified
	numStatuses
)

var statusNames = [numStatuses]string{
	"correct", "units", "modifier", "seventh-character", "specificity", "incomplete-code",
	"wrong-level", "related-code", "sequencing", "extra", "missing", "invalid", "unreadable", "unverified",
}

func (s Status) String() string {
	if s < numStatuses {
		return statusNames[s]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return &KeyError{Text: string(b), Msg: "unknown status"}
}

// Findings is the set of every finding that applied to a line.
type Findings uint32

// Has reports whether f holds s.
func (f Findings) Has(s Status) bool { return f&(1<<s) != 0 }

// With returns f with s added.
func (f Findings) With(s Status) Findings { return f | 1<<s }

// List returns the findings in a stable order: the code finding, modifiers, units, sequencing,
// then the others.
func (f Findings) List() []Status {
	out := make([]Status, 0, 4)
	for _, s := range findingOrder {
		if f.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

var findingOrder = [...]Status{Correct, SeventhCharacter, Specificity, IncompleteCode, WrongLevel, RelatedCode,
	Modifier, Units, Sequencing, Unverified, Invalid, Extra, Missing, Unreadable}

// MarshalJSON writes the findings as a list of names.
func (f Findings) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range f.List() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(s.String())
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads a list of finding names.
func (f *Findings) UnmarshalJSON(b []byte) error {
	var names []Status
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*f = 0
	for _, s := range names {
		*f = f.With(s)
	}
	return nil
}
