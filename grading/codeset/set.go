package codeset

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Entry is one code of a set: a billable (valid) code or a non-billable header.
type Entry struct {
	System   System `json:"system"`
	Code     string `json:"code"` // normalized: upper case, no dot
	Billable bool   `json:"billable"`
	Short    string `json:"short,omitempty"`
	Long     string `json:"long,omitempty"`
	// Parent is the normalized code of the nearest ancestor in the set ("" at the top).
	Parent string `json:"parent,omitempty"`
	// Terminated is the HCPCS termination date (YYYYMMDD) of a discontinued code, else "".
	Terminated string `json:"terminated,omitempty"`
	// Synonyms are other wordings of the description that search also finds.
	Synonyms []string `json:"synonyms,omitempty"`

	display string // Display(System, Code), kept so that showing a code costs nothing
}

// Display returns the code as people write it (E11.65).
func (e *Entry) Display() string {
	if e.display != "" {
		return e.display
	}
	return Display(e.System, e.Code)
}

// Description returns the long description, or the short one when there is no long one.
func (e *Entry) Description() string {
	if e.Long != "" {
		return e.Long
	}
	return e.Short
}

// Notes are the tabular-list instructions attached to one code (ICD-10-CM).
type Notes struct {
	Inclusion     []string    `json:"inclusion,omitempty"` // inclusion terms
	Includes      []string    `json:"includes,omitempty"`
	Excludes1     []string    `json:"excludes1,omitempty"`
	Excludes2     []string    `json:"excludes2,omitempty"`
	CodeFirst     []string    `json:"codeFirst,omitempty"`
	UseAdditional []string    `json:"useAdditional,omitempty"`
	CodeAlso      []string    `json:"codeAlso,omitempty"`
	Other         []string    `json:"notes,omitempty"`
	SeventhNote   []string    `json:"seventhNote,omitempty"`
	Seventh       []Extension `json:"seventh,omitempty"` // 7th-character definitions that apply below this code
}

// Extension is one 7th-character value and its meaning (A: initial encounter).
type Extension struct {
	Char    string `json:"char"`
	Meaning string `json:"meaning"`
}

// NoteGroup is one kind of note with its texts.
type NoteGroup struct {
	Kind  string   `json:"kind"` // Includes, Excludes1, Code first, ...
	Notes []string `json:"notes"`
}

// Groups returns the notes of n by kind, in the order the tabular list prints them, leaving out
// kinds without notes. 7th-character definitions are not included (see Set.Seventh).
func (n *Notes) Groups() []NoteGroup {
	if n == nil {
		return nil
	}
	var out []NoteGroup
	for _, g := range []NoteGroup{{"Includes", n.Includes}, {"Inclusion terms", n.Inclusion}, {"Excludes1", n.Excludes1},
		{"Excludes2", n.Excludes2}, {"Code first", n.CodeFirst}, {"Use additional code", n.UseAdditional},
		{"Code also", n.CodeAlso}, {"Note", n.Other}, {"7th character note", n.SeventhNote}} {
		if len(g.Notes) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// Empty reports whether n holds no note at all.
func (n *Notes) Empty() bool {
	return n == nil || len(n.Inclusion)+len(n.Includes)+len(n.Excludes1)+len(n.Excludes2)+
		len(n.CodeFirst)+len(n.UseAdditional)+len(n.CodeAlso)+len(n.Other)+
		len(n.SeventhNote)+len(n.Seventh) == 0
}

// Set is the loaded codes of one system from one source. It is immutable once built and safe
// for concurrent use.
type Set struct {
	System System
	Source string // where it came from: "built-in" or the imported file's name
	// Modifiers holds modifier meanings the source carried (the HCPCS file lists modifiers).
	Modifiers map[string]string

	entries []Entry          // sorted by code
	index   map[string]int32 // code → position in entries
	notes   map[string]*Notes

	searchOnce sync.Once
	search     *searchIndex
}

// NewSet builds a set from entries. Codes are normalized, sorted and given their parents; a
// code listed twice is an error.
func NewSet(sys System, source string, entries []Entry) (*Set, error) {
	s := &Set{System: sys, Source: source, entries: entries, index: make(map[string]int32, len(entries))}
	for i := range entries {
		e := &entries[i]
		e.System = sys
		e.Code = Normalize(e.Code)
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Code, b.Code) })
	for i := range entries {
		e := &entries[i]
		if i > 0 && entries[i-1].Code == e.Code {
			return nil, fmt.Errorf("%s %s: code listed twice", sys.Name(), Display(sys, e.Code))
		}
		s.index[e.Code] = int32(i)
	}
	for i := range entries {
		e := &entries[i]
		e.Parent = s.ancestor(e.Code)
		e.display = Display(sys, e.Code)
	}
	return s, nil
}

// ancestor returns the longest proper prefix of code (at least 3 characters long) that is in
// the set, or "".
func (s *Set) ancestor(code string) string {
	for n := len(code) - 1; n >= 3; n-- {
		if _, ok := s.index[code[:n]]; ok {
			return code[:n]
		}
	}
	return ""
}

// Len returns the number of entries, billable and headers.
func (s *Set) Len() int { return len(s.entries) }

// Counts returns the number of billable codes and of headers.
func (s *Set) Counts() (billable, headers int) {
	for i := range s.entries {
		if s.entries[i].Billable {
			billable++
		} else {
			headers++
		}
	}
	return billable, headers
}

// Lookup finds a normalized code. The entry must not be modified.
func (s *Set) Lookup(code string) (*Entry, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := s.index[code]
	if !ok {
		return nil, false
	}
	return &s.entries[i], true
}

// Entries returns all entries in code order. The slice must not be modified.
func (s *Set) Entries() []Entry { return s.entries }

// Children returns the entries whose parent is code, in code order.
func (s *Set) Children(code string) []*Entry {
	lo, hi := s.prefixRange(code)
	var out []*Entry
	for i := lo; i < hi; i++ {
		if s.entries[i].Parent == code {
			out = append(out, &s.entries[i])
		}
	}
	return out
}

// Ancestors returns the chain from the top-level ancestor down to code's parent.
func (s *Set) Ancestors(code string) []*Entry {
	var chain []*Entry
	e, ok := s.Lookup(code)
	for ok && e.Parent != "" {
		e, ok = s.Lookup(e.Parent)
		if ok {
			chain = append(chain, e)
		}
	}
	slices.Reverse(chain)
	return chain
}

// prefixRange returns the half-open range of entries whose code starts with prefix.
func (s *Set) prefixRange(prefix string) (lo, hi int) {
	lo, _ = slices.BinarySearchFunc(s.entries, prefix, func(e Entry, p string) int { return strings.Compare(e.Code, p) })
	hi = lo
	for hi < len(s.entries) && strings.HasPrefix(s.entries[hi].Code, prefix) {
		hi++
	}
	return lo, hi
}

// WithPrefix returns up to limit entries whose code starts with prefix, billable codes first
// when billableFirst is set, otherwise in code order.
func (s *Set) WithPrefix(prefix string, limit int) []*Entry {
	lo, hi := s.prefixRange(prefix)
	out := make([]*Entry, 0, min(hi-lo, limit))
	for i := lo; i < hi && len(out) < limit; i++ {
		out = append(out, &s.entries[i])
	}
	return out
}

// Notes returns the tabular notes attached to code itself (nil when none).
func (s *Set) Notes(code string) *Notes {
	if s == nil {
		return nil
	}
	return s.notes[code]
}

// Seventh returns the 7th-character definitions that apply to code, inherited from the nearest
// ancestor that defines them.
func (s *Set) Seventh(code string) []Extension {
	for n := len(code); n >= 3; n-- {
		if nt := s.notes[code[:n]]; nt != nil && len(nt.Seventh) > 0 {
			return nt.Seventh
		}
	}
	return nil
}

// NoteCount returns the number of codes with notes.
func (s *Set) NoteCount() int { return len(s.notes) }

// WithNotes returns a copy of s with notes attached: each note goes to the code it names when
// that code is in the set; notes for codes the set does not hold are dropped. It returns the
// number of codes that received notes.
func (s *Set) WithNotes(notes map[string]*Notes) (*Set, int) {
	c := &Set{System: s.System, Source: s.Source, Modifiers: s.Modifiers, entries: s.entries, index: s.index,
		notes: make(map[string]*Notes, len(notes))}
	for code, n := range notes {
		if _, ok := s.index[code]; ok && !n.Empty() {
			c.notes[code] = n
		}
	}
	return c, len(c.notes)
}
