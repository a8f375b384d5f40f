// Package grading reads what a coder typed and grades it against a reference key, as
// GRADING.md specifies: forgiving parsing, a credit table per code, an optimal one-to-one
// assignment of answer codes to key lines, sequencing of the principal diagnosis, and a score,
// an accuracy and a one-sentence explanation per line. It does no I/O: the code sets come in
// as a *codeset.Book.
package grading

import (
	"strings"

	"chartcode/grading/codeset"
)

// MaxCodes bounds how many codes of one answer are graded; the rest is reported as unreadable.
// Real claims carry far fewer, and the bound keeps the assignment cheap on hostile input.
const MaxCodes = 100

// maxMods is the number of modifiers kept per code (claims carry at most four).
const maxMods = 4

// Modifiers is a small set of CPT/HCPCS modifiers, kept sorted so that order does not matter.
type Modifiers struct {
	n uint8
	m [maxMods][2]byte
}

// Len returns the number of modifiers.
func (m Modifiers) Len() int { return int(m.n) }

// At returns the i-th modifier in sorted order.
func (m Modifiers) At(i int) string { return string(m.m[i][:]) }

// Add inserts a two-character modifier (upper case), ignoring duplicates and any beyond four.
func (m *Modifiers) Add(a, b byte) {
	v := [2]byte{upper(a), upper(b)}
	i := 0
	for ; i < int(m.n); i++ {
		if m.m[i] == v {
			return
		}
		if m.m[i][0] > v[0] || m.m[i][0] == v[0] && m.m[i][1] > v[1] {
			break
		}
	}
	if m.n == maxMods {
		return
	}
	copy(m.m[i+1:m.n+1], m.m[i:m.n])
	m.m[i] = v
	m.n++
}

// String returns the modifiers as written after a code: "-25-59", or "" when none.
func (m Modifiers) String() string {
	if m.n == 0 {
		return ""
	}
	b := make([]byte, 0, 3*m.n)
	for i := 0; i < int(m.n); i++ {
		b = append(b, '-', m.m[i][0], m.m[i][1])
	}
	return string(b)
}

// List returns the modifiers as strings.
func (m Modifiers) List() []string {
	out := make([]string, m.n)
	for i := range out {
		out[i] = m.At(i)
	}
	return out
}

// Entry is one code of an answer as the parser read it.
type Entry struct {
	Input      string         // the text as typed, modifiers and units included
	Code       string         // normalized (upper case, no dot); "" when unreadable
	System     codeset.System // 0 when unreadable
	Modifiers  Modifiers
	Units      int  // 1 unless given
	Unreadable bool // not the shape of any code

	shape  uint8 // candidate systems by shape
	hasDot bool
	start  int // byte offset of Input in the answer text
}

// Display returns the code as people write it, with modifiers and units (99214-25, J1885 x2).
func (e *Entry) Display() string {
	if e.Unreadable {
		return e.Input
	}
	s := codeset.Display(e.System, e.Code) + e.Modifiers.String()
	if e.Units != 1 {
		s += " x" + itoa(e.Units)
	}
	return s
}

// token is one piece of the input between separators, with its byte offsets.
type token struct {
	text       string
	start, end int
}

// scanner splits input at commas, semicolons, white space and (in keys) nothing else; it never
// fails.
type scanner struct {
	s   string
	pos int
}

func isSep(c byte) bool {
	return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (sc *scanner) next() (token, bool) {
	for sc.pos < len(sc.s) && isSep(sc.s[sc.pos]) {
		sc.pos++
	}
	if sc.pos >= len(sc.s) {
		return token{}, false
	}
	start := sc.pos
	for sc.pos < len(sc.s) && !isSep(sc.s[sc.pos]) {
		sc.pos++
	}
	return token{sc.s[start:sc.pos], start, sc.pos}, true
}

// peek returns the next token without consuming it.
func (sc *scanner) peek() (token, bool) {
	save := sc.pos
	t, ok := sc.next()
	sc.pos = save
	return t, ok
}

// codeRef is one code of a key line or of an answer token, before systems are resolved. The
// characters stay in a small array so that reading a known code allocates nothing.
type codeRef struct {
	b      [8]byte
	n      uint8
	shape  uint8
	hasDot bool
}

// str returns the code as a new string.
func (r *codeRef) str() string { return string(r.b[:r.n]) }

// readCode reads the code at the start of s: letters, digits and at most one dot, up to a
// hyphen, 'x'/'*' units marker or the end. It returns the code, the rest of s, and whether it
// looks like a code at all.
func readCode(s string) (ref codeRef, rest string, ok bool) {
	buf := &ref.b
	n, i := 0, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if ref.hasDot || n == 0 {
				return ref, s, false
			}
			ref.hasDot = true
			continue
		case isAlnum(c):
		default:
			goto done
		}
		// A units marker right after a CPT/HCPCS shape: J1885x2 (but not O32.1XX0).
		if (c == 'x' || c == 'X') && n == 5 && !ref.hasDot && i+1 < len(s) && isDigitByte(s[i+1]) &&
			codeset.Shape(string(buf[:n]), false)&(1<<codeset.CPT|1<<codeset.HCPCS) != 0 {
			goto done
		}
		if n == len(buf) {
			return ref, s, false
		}
		buf[n] = upper(c)
		n++
	}
done:
	if n == 0 {
		return ref, s, false
	}
	ref.n = uint8(n)
	ref.shape = codeset.Shape(string(buf[:n]), ref.hasDot)
	return ref, s[i:], ref.shape != 0
}

// suffix reads modifiers (-25-59) and units (x2, *2) following a code inside one token. It
// reports false when something else follows.
func suffix(s string, mods *Modifiers, units *int) bool {
	for len(s) > 0 {
		switch {
		case s[0] == '-' && len(s) >= 3 && isAlnum(s[1]) && isAlnum(s[2]) && (len(s) == 3 || !isAlnum(s[3]) || unitsNext(s[3:])):
			mods.Add(s[1], s[2])
			s = s[3:]
		case s[0] == '-' && len(s) == 1:
			s = s[1:] // a dangling hyphen (H60.9-) is ignored
		case (s[0] == 'x' || s[0] == 'X' || s[0] == '*') && len(s) > 1:
			u, ok := atoi(s[1:])
			if !ok {
				return false
			}
			*units = u
			s = ""
		default:
			return false
		}
	}
	return true
}

// unitsNext reports whether s is a units marker with its number (x2, X10): 97110-GPx2.
func unitsNext(s string) bool {
	if len(s) < 2 || (s[0] != 'x' && s[0] != 'X') {
		return false
	}
	_, ok := atoi(s[1:])
	return ok
}

// ParseAnswer reads free text into entries, in the order typed. It never fails: anything that
// is not a code becomes an unreadable entry. Codes whose shape fits two systems (E1165) are
// resolved with the key (the system the key expects) and the code book (the system in which the
// code exists); key may be nil.
func ParseAnswer(text string, key *Key, book *codeset.Book) []Entry {
	return AppendAnswer(nil, text, key, book)
}

// AppendAnswer is ParseAnswer appending to dst, for callers that reuse a buffer.
func AppendAnswer(out []Entry, text string, key *Key, book *codeset.Book) []Entry {
	sc := scanner{s: text}
	codes := 0
	for {
		t, ok := sc.next()
		if !ok {
			return out
		}
		last := len(out) - 1
		prevCode := last >= 0 && !out[last].Unreadable
		prevProc := prevCode && out[last].shape&(1<<codeset.CPT|1<<codeset.HCPCS) != 0
		// Modifiers and units written as separate words attach to the previous code.
		if prevProc {
			if end, ok := trailer(&sc, t, &out[last]); ok {
				out[last].Input = text[out[last].start:end]
				continue
			}
		}
		ref, rest, isCode := readCode(t.text)
		e := Entry{Input: t.text, Units: 1, start: t.start}
		if isCode && suffix(rest, &e.Modifiers, &e.Units) && e.Units > 0 {
			if codes == MaxCodes {
				return append(out, Entry{Input: text[t.start:], Unreadable: true, start: t.start})
			}
			codes++
			e.shape, e.hasDot = ref.shape, ref.hasDot
			e.System = resolve(&ref, key, book)
			e.Code = intern(&ref, e.System, key, book)
		} else {
			e.Unreadable = true
			// Keep a run of unreadable words together: "see note" is one line, not two.
			if last >= 0 && out[last].Unreadable {
				out[last].Input = text[out[last].start:t.end]
				continue
			}
		}
		out = append(out, e)
	}
}

// trailer consumes modifier and unit words after a CPT/HCPCS code: "-25", "mod 25",
// "modifier RT", "x2", "x 2", "*2", "(2 units)", "2 units". It reports the end offset of what
// it consumed.
func trailer(sc *scanner, t token, e *Entry) (int, bool) {
	word := t.text
	c0 := lowerByte(word[0])
	switch {
	case c0 == '-' && len(word) > 1:
		m, u := e.Modifiers, e.Units
		if suffix(word, &m, &u) && u > 0 {
			e.Modifiers, e.Units = m, u
			return t.end, true
		}
	case isWord(word, "mod", "mod:", "modifier", "modifier:", "modifiers", "modifiers:"):
		end, any := t.end, false
		for {
			n, ok := sc.peek()
			if !ok || len(n.text) != 2 || !isAlnum(n.text[0]) || !isAlnum(n.text[1]) {
				break
			}
			sc.next()
			e.Modifiers.Add(n.text[0], n.text[1])
			end, any = n.end, true
		}
		return end, any
	case (c0 == 'x' || c0 == '*') && len(word) > 1:
		if u, ok := atoi(word[1:]); ok && u > 0 {
			e.Units = u
			return t.end, true
		}
	case c0 == 'x' || c0 == '*':
		if n, ok := sc.peek(); ok {
			if u, ok := atoi(n.text); ok && u > 0 {
				sc.next()
				e.Units = u
				return n.end, true
			}
		}
	case c0 == '(':
		// "(2 units)", "(2)", "(x2)", "(units: 2)": read up to three more words to the ')'.
		end, save := t.end, sc.pos
		for i := 0; i < 3 && !strings.Contains(sc.s[t.start:end], ")"); i++ {
			n, ok := sc.next()
			if !ok {
				break
			}
			end = n.end
		}
		inner := sc.s[t.start+1 : end]
		if i := strings.IndexByte(inner, ')'); i >= 0 {
			if u, ok := unitsPhrase(inner[:i]); ok {
				e.Units = u
				return end, true
			}
		}
		sc.pos = save
	default:
		// "2 units"
		if u, ok := atoi(word); ok && u > 0 {
			if n, ok := sc.peek(); ok && isWord(n.text, "units", "unit", "units)") {
				sc.next()
				e.Units = u
				return n.end, true
			}
		}
	}
	return 0, false
}

// isWord reports whether s is one of words, ignoring case.
func isWord(s string, words ...string) bool {
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// unitsPhrase reads "2 units", "2", "x2", "units: 2", "2 unit" (any case, any spacing).
func unitsPhrase(s string) (int, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.TrimPrefix(s, "units:")
	s = strings.TrimPrefix(s, "units")
	s = strings.TrimSuffix(s, "units")
	s = strings.TrimSuffix(s, "unit")
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "x")
	s = strings.TrimPrefix(s, "*")
	u, ok := atoi(strings.TrimSpace(s))
	return u, ok && u > 0
}

// intern returns the code as a string, sharing the code book's or the key's copy when there is
// one rather than allocating.
func intern(ref *codeRef, sys codeset.System, key *Key, book *codeset.Book) string {
	if book != nil {
		if e := book.Lookup(sys, string(ref.b[:ref.n])); e != nil {
			return e.Code
		}
	}
	if key != nil {
		for i := range key.Lines {
			for _, c := range key.Lines[i].Codes {
				if c.Code == string(ref.b[:ref.n]) {
					return c.Code
				}
			}
		}
	}
	return ref.str()
}

// resolve picks the system of a code whose shape may fit several: a dot or a unique shape
// decides; otherwise the system in which the key holds that very code, then the one in which
// the code exists, then one the key uses, then ICD-10-CM, HCPCS, ICD-10-PCS, CPT in that order.
func resolve(ref *codeRef, key *Key, book *codeset.Book) codeset.System {
	if ref.shape&(ref.shape-1) == 0 {
		return lowestSystem(ref.shape)
	}
	if key != nil {
		for i := range key.Lines {
			for _, c := range key.Lines[i].Codes {
				if c.Code == string(ref.b[:ref.n]) && ref.shape&(1<<c.System) != 0 {
					return c.System
				}
			}
		}
	}
	var exists uint8
	if book != nil {
		for _, sys := range codeset.Systems {
			if ref.shape&(1<<sys) != 0 && book.Lookup(sys, string(ref.b[:ref.n])) != nil {
				exists |= 1 << sys
			}
		}
	}
	cands := ref.shape
	if exists != 0 {
		cands = exists
	}
	if cands&(cands-1) != 0 && key != nil {
		if k := cands & key.systems; k != 0 {
			cands = k
		}
	}
	for _, sys := range [...]codeset.System{codeset.ICD10CM, codeset.HCPCS, codeset.ICD10PCS, codeset.CPT} {
		if cands&(1<<sys) != 0 {
			return sys
		}
	}
	return lowestSystem(ref.shape)
}

func lowestSystem(set uint8) codeset.System {
	for _, sys := range codeset.Systems {
		if set&(1<<sys) != 0 {
			return sys
		}
	}
	return 0
}

func isAlnum(c byte) bool     { return isDigitByte(c) || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }
func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// atoi reads a small positive decimal number (units): 1 to 4 digits.
func atoi(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func itoa(n int) string {
	if n >= 0 && n < 10 {
		return string(rune('0' + n))
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
