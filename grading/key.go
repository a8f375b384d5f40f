package grading

import (
	"fmt"
	"slices"
	"strings"

	"chartcode/grading/codeset"
)

// KeyCode is one code a key line accepts, with the modifiers and units that go with it.
type KeyCode struct {
	Code      string // normalized
	System    codeset.System
	Modifiers Modifiers
	Units     int
}

// Display returns the code as people write it.
func (c KeyCode) Display() string { return codeset.Display(c.System, c.Code) }

// KeyLine is one line of a reference key.
type KeyLine struct {
	Codes []KeyCode // the code, then the alternates accepted for full credit
	// Modifiers and Units are those of the first code. Alternates usually share them; where
	// they differ (12002-59|12002-XS) each code carries its own.
	Modifiers Modifiers
	Units     int
	Optional  bool    // may be reported or left out
	Weight    float64 // default 1

	shown []string // per code: as displayed with modifiers and units, computed once
}

// String returns the line in key text: *Z79.4, E11.65|E11.69, 99214-25, J1885 x2,
// 12002-59|12002-XS.
func (l *KeyLine) String() string {
	var b strings.Builder
	if l.Optional {
		b.WriteByte('*')
	}
	shared := true
	for _, c := range l.Codes {
		shared = shared && c.Modifiers == l.Modifiers && c.Units == l.Units
	}
	for i, c := range l.Codes {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(c.Display())
		if !shared {
			b.WriteString(suffixText(c.Modifiers, c.Units, true))
		}
	}
	if shared {
		b.WriteString(suffixText(l.Modifiers, l.Units, false))
	}
	return b.String()
}

// suffixText writes modifiers and units after a code: -25 x2; compact leaves out the space
// before the units (so that the text stays one token between alternates).
func suffixText(m Modifiers, units int, compact bool) string {
	s := m.String()
	if units != 1 {
		if !compact {
			s += " "
		}
		s += "x" + itoa(units)
	}
	return s
}

// Key is a parsed reference key. Lines keep their order; the first ICD-10-CM line is the
// principal / first-listed diagnosis.
type Key struct {
	Lines     []KeyLine
	Principal int // index of the principal diagnosis line, -1 when the key has no diagnosis

	systems uint8 // the systems the key uses, as a bit set
}

// String returns the key in key text, lines separated by ", ".
func (k *Key) String() string {
	parts := make([]string, len(k.Lines))
	for i := range k.Lines {
		parts[i] = k.Lines[i].String()
	}
	return strings.Join(parts, ", ")
}

// KeyError describes what is wrong with key text; Offset is the byte offset of the culprit.
type KeyError struct {
	Text   string
	Offset int
	Msg    string
}

func (e *KeyError) Error() string {
	if e.Text == "" {
		return e.Msg
	}
	return fmt.Sprintf("%q: %s", e.Text, e.Msg)
}

// ParseKey reads key text: the answer syntax plus `|` between alternates and a leading `*` for
// an optional code. Several texts (e.g. the diagnoses and the procedures of a case) are read as
// one key, in order. Unlike answers, key text must be entirely readable.
func ParseKey(book *codeset.Book, texts ...string) (*Key, error) {
	groups := make([]Group, len(texts))
	for i, t := range texts {
		groups[i] = Group{Text: t}
	}
	return ParseKeyGroups(book, groups...)
}

// Group is key text whose codes belong to known systems, such as the diagnoses (ICD-10-CM) or
// the procedures (CPT, HCPCS, ICD-10-PCS) of a case. A code whose shape two systems share
// (G0439: HCPCS, or ICD-10-CM G04.39) is read in the group's systems.
type Group struct {
	Text    string
	Systems []codeset.System // empty: any system
}

// ParseKeyGroups reads the groups of a key, in order, as one key.
func ParseKeyGroups(book *codeset.Book, groups ...Group) (*Key, error) {
	k := &Key{Principal: -1}
	for _, g := range groups {
		var mask uint8
		for _, s := range g.Systems {
			mask |= 1 << s
		}
		if err := k.parse(g.Text, book, mask); err != nil {
			return nil, err
		}
	}
	if len(k.Lines) == 0 {
		return nil, &KeyError{Msg: "the key holds no code"}
	}
	for i := range k.Lines {
		l := &k.Lines[i]
		l.shown = make([]string, len(l.Codes))
		for j, c := range l.Codes {
			k.systems |= 1 << c.System
			l.shown[j] = c.Display() + suffixText(c.Modifiers, c.Units, false)
		}
		if k.Principal < 0 && l.Codes[0].System == codeset.ICD10CM {
			k.Principal = i
		}
	}
	return k, nil
}

// MustParseKey is ParseKey for keys known to be good (tests, fixtures); it panics otherwise.
func MustParseKey(book *codeset.Book, texts ...string) *Key {
	k, err := ParseKey(book, texts...)
	if err != nil {
		panic(err)
	}
	return k
}

func (k *Key) parse(text string, book *codeset.Book, systems uint8) error {
	sc := scanner{s: text}
	for {
		t, ok := sc.next()
		if !ok {
			return nil
		}
		// Modifier and unit words after a line apply to every code of it: "99214 -25".
		if n := len(k.Lines); n > 0 && procLine(&k.Lines[n-1]) {
			probe := Entry{Units: 1}
			if _, ok := trailer(&sc, t, &probe); ok {
				l := &k.Lines[n-1]
				for i := range l.Codes {
					c := &l.Codes[i]
					for m := 0; m < probe.Modifiers.Len(); m++ {
						c.Modifiers.Add(probe.Modifiers.m[m][0], probe.Modifiers.m[m][1])
					}
					if probe.Units != 1 {
						c.Units = probe.Units
					}
				}
				l.Modifiers, l.Units = l.Codes[0].Modifiers, l.Codes[0].Units
				continue
			}
		}
		line := KeyLine{Units: 1, Weight: 1}
		s := t.text
		if strings.HasPrefix(s, "*") {
			line.Optional = true
			s = s[1:]
		}
		var own []bool // whether each alternate gave its own modifiers or units
		for alt := range strings.SplitSeq(s, "|") {
			ref, rest, isCode := readCode(alt)
			if !isCode {
				return &KeyError{Text: t.text, Offset: t.start, Msg: "is not a code"}
			}
			var mods Modifiers
			units := 1
			if !suffix(rest, &mods, &units) || units <= 0 {
				return &KeyError{Text: t.text, Offset: t.start, Msg: "has text after the code that is neither modifiers (-25) nor units (x2)"}
			}
			own = append(own, mods.Len() > 0 || units != 1)
			if systems != 0 && ref.shape&systems != 0 {
				ref.shape &= systems
			}
			sys, err := resolveKey(&ref, book)
			if err != nil {
				return &KeyError{Text: t.text, Offset: t.start, Msg: err.Error()}
			}
			if line.Codes != nil && sys != line.Codes[0].System {
				return &KeyError{Text: t.text, Offset: t.start, Msg: "alternates must belong to one code system"}
			}
			line.Codes = append(line.Codes, KeyCode{Code: ref.str(), System: sys, Modifiers: mods, Units: units})
		}
		// An alternate without modifiers or units takes those of the first alternate that has
		// them: 20610|20611-RT means both with RT.
		if first := slices.Index(own, true); first >= 0 {
			for i := range line.Codes {
				if !own[i] {
					line.Codes[i].Modifiers, line.Codes[i].Units = line.Codes[first].Modifiers, line.Codes[first].Units
				}
			}
			if !procLine(&line) {
				return &KeyError{Text: t.text, Offset: t.start, Msg: "only CPT and HCPCS codes take modifiers and units"}
			}
		}
		line.Modifiers, line.Units = line.Codes[0].Modifiers, line.Codes[0].Units
		k.Lines = append(k.Lines, line)
	}
}

func procLine(l *KeyLine) bool {
	s := l.Codes[0].System
	return s == codeset.CPT || s == codeset.HCPCS
}

// resolveKey picks the system of a key code. A shape shared by two systems must be settled by
// the code book (the code exists in exactly one) or by writing the ICD-10-CM dot.
func resolveKey(ref *codeRef, book *codeset.Book) (codeset.System, error) {
	if ref.shape&(ref.shape-1) == 0 {
		return lowestSystem(ref.shape), nil
	}
	var exists uint8
	for _, sys := range codeset.Systems {
		if ref.shape&(1<<sys) != 0 && book != nil && book.Lookup(sys, ref.str()) != nil {
			exists |= 1 << sys
		}
	}
	switch {
	case exists != 0 && exists&(exists-1) == 0:
		return lowestSystem(exists), nil
	case exists != 0:
		return 0, fmt.Errorf("could be %s or %s: write ICD-10-CM codes with their dot", lowestSystem(exists).Name(),
			lowestSystem(exists&(exists-1)).Name())
	}
	return 0, fmt.Errorf("is neither a valid %s nor a valid %s code", lowestSystem(ref.shape).Name(),
		lowestSystem(ref.shape&(ref.shape-1)).Name())
}

// Problem is something wrong with a key's codes in the code book.
type Problem struct {
	Line int // index of the key line
	Code KeyCode
	Msg  string
}

func (p Problem) Error() string { return p.Code.Display() + ": " + p.Msg }

// Check lists the key codes that are not valid, reportable codes in book: unknown, headers,
// discontinued. CPT codes without a loaded CPT set pass (unverified).
func (k *Key) Check(book *codeset.Book) []Problem {
	var out []Problem
	for i := range k.Lines {
		for _, c := range k.Lines[i].Codes {
			switch v, e := book.Check(c.System, c.Code); v {
			case codeset.Invalid:
				msg := "not a valid " + c.System.Name() + " code"
				if near := book.Nearest(c.System, c.Code, 3); len(near) > 0 {
					msg += " (nearest: " + joinEntries(near) + ")"
				}
				out = append(out, Problem{i, c, msg})
			case codeset.Header:
				out = append(out, Problem{i, c, "a header, not a billable " + c.System.Name() + " code"})
			case codeset.Discontinued:
				out = append(out, Problem{i, c, "discontinued on " + e.Terminated})
			}
		}
	}
	return out
}

func joinEntries(es []*codeset.Entry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Display()
	}
	return strings.Join(parts, ", ")
}
