package codeset

import (
	"maps"
	"slices"
)

// Validity is what a code set says of one code.
type Validity uint8

const (
	// Invalid: the system's set is loaded and does not hold the code.
	Invalid Validity = iota
	// Billable: a valid code, reportable as written.
	Billable
	// Header: a category or subcategory that needs more characters to be reported.
	Header
	// Unverified: no set is loaded for the system (CPT without a licensed file), so a code of
	// the right shape can be neither confirmed nor refused.
	Unverified
	// Discontinued: the code existed but has been terminated (HCPCS).
	Discontinued
)

func (v Validity) String() string {
	switch v {
	case Billable:
		return "billable"
	case Header:
		return "header"
	case Unverified:
		return "unverified"
	case Discontinued:
		return "discontinued"
	}
	return "invalid"
}

// Book is the code book a grader and a person look codes up in: at most one set per system,
// plus the modifier list. It is immutable and safe for concurrent use.
type Book struct {
	sets      [numSystems]*Set
	modifiers map[string]string
}

// NewBook assembles sets into a book. A later set replaces an earlier one of the same system, so
// imported sets given after the built-in ones take precedence. Modifier meanings are merged the
// same way.
func NewBook(sets ...*Set) *Book {
	b := &Book{modifiers: map[string]string{}}
	for _, s := range sets {
		if s == nil {
			continue
		}
		if s.Len() > 0 {
			b.sets[s.System] = s
		}
		maps.Copy(b.modifiers, s.Modifiers)
	}
	return b
}

// Set returns the set loaded for sys, or nil.
func (b *Book) Set(sys System) *Set { return b.sets[sys] }

// Sets returns the loaded sets in system order.
func (b *Book) Sets() []*Set {
	var out []*Set
	for _, sys := range Systems {
		if s := b.sets[sys]; s != nil {
			out = append(out, s)
		}
	}
	return out
}

// Check says whether a normalized code is valid in sys. The entry is nil when the code is not
// in the set.
func (b *Book) Check(sys System, code string) (Validity, *Entry) {
	s := b.sets[sys]
	if s == nil {
		if ShapeOK(sys, code) {
			return Unverified, nil
		}
		return Invalid, nil
	}
	e, ok := s.Lookup(code)
	switch {
	case !ok:
		return Invalid, nil
	case e.Terminated != "":
		return Discontinued, e
	case e.Billable:
		return Billable, e
	default:
		return Header, e
	}
}

// Lookup returns the entry of a normalized code, or nil.
func (b *Book) Lookup(sys System, code string) *Entry {
	e, _ := b.sets[sys].Lookup(code)
	return e
}

// Modifier returns the meaning of a CPT/HCPCS modifier.
func (b *Book) Modifier(m string) (string, bool) {
	v, ok := b.modifiers[m]
	return v, ok
}

// Modifiers returns the known modifiers, sorted.
func (b *Book) Modifiers() []string { return slices.Sorted(maps.Keys(b.modifiers)) }

// Nearest suggests up to n valid, reportable codes close to a code that is not valid: the
// billable codes below its longest valid prefix.
func (b *Book) Nearest(sys System, code string, n int) []*Entry {
	s := b.sets[sys]
	if s == nil || n <= 0 {
		return nil
	}
	for l := min(len(code), 7); l >= 1; l-- {
		lo, hi := s.prefixRange(code[:l])
		if lo == hi {
			continue
		}
		var out []*Entry
		for i := lo; i < hi && len(out) < n; i++ {
			if e := &s.entries[i]; e.Billable && e.Terminated == "" && e.Code != code {
				out = append(out, e)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}
