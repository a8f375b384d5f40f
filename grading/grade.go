package grading

import (
	"fmt"
	"math"

	"chartcode/grading/codeset"
)

// Mode is how an item is scored.
type Mode uint8

const (
	// Practice gives partial credit per the credit table.
	Practice Mode = iota
	// Exam is all or nothing: every key line exact, the principal diagnosis first, nothing extra.
	Exam
)

func (m Mode) String() string {
	if m == Exam {
		return "exam"
	}
	return "practice"
}

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	*m = v
	return err
}

// ParseMode reads "practice" or "exam" ("" is practice).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "practice":
		return Practice, nil
	case "exam":
		return Exam, nil
	}
	return Practice, fmt.Errorf("unknown mode %q (want practice or exam)", s)
}

// Line is one line of a graded answer: an answer code, or a key line the answer missed.
type Line struct {
	Input    string         `json:"input"`            // as typed ("" for a missing key line)
	Code     string         `json:"code"`             // what it was read as (E11.65, 99214-25, J1885 x2)
	System   codeset.System `json:"system,omitempty"` // 0 when unreadable
	Key      string         `json:"key"`              // the key line it matched, or the missing one
	KeyLine  int            `json:"-"`                // index of that key line, -1 when none
	Status   Status         `json:"status"`
	Findings Findings       `json:"findings"`
	Credit   float64        `json:"credit"` // after every multiplier, 0 to 1
	Message  string         `json:"message"`
}

// Result is a graded answer.
type Result struct {
	Score    float64 `json:"score"`    // 0 to 100, one decimal
	Accuracy float64 `json:"accuracy"` // exactly correct codes ÷ (key codes + extra codes)
	Mode     Mode    `json:"mode"`
	Lines    []Line  `json:"lines"` // answer codes in answer order, then missing key lines
	Correct  int     `json:"correct"`
	KeyCodes int     `json:"keyCodes"` // key lines counted (optional ones only when reported)
	Extra    int     `json:"extra"`
}

// The credit table of GRADING.md.
const (
	creditUnits      = 0.75
	creditModifier   = 0.50
	creditSeventh    = 0.75
	creditSubcat     = 0.60
	creditCategory   = 0.40
	creditHeader     = 0.40
	creditLevel      = 0.40
	creditPCS        = 0.40
	creditRelated    = 0.25
	creditSequencing = 0.75
	extraPenalty     = 0.5
)

// Grade parses answer and grades it against key with the code sets of book.
func Grade(key *Key, answer string, book *codeset.Book, mode Mode) *Result {
	var buf [smallN]Entry
	return GradeEntries(key, AppendAnswer(buf[:0], answer, key, book), book, mode)
}

// smallN is the size up to which grading runs on stack scratch space.
const smallN = 16

// GradeEntries grades parsed answer entries against key.
func GradeEntries(key *Key, entries []Entry, book *codeset.Book, mode Mode) *Result {
	n, m := len(entries), len(key.Lines)
	var (
		entryBuf    [smallN]*codeset.Entry
		validityBuf [smallN]codeset.Validity
		valBuf      [smallN * smallN]int64
		creditBuf   [smallN * smallN]float64
		findBuf     [smallN * smallN]Findings
		altBuf      [smallN * smallN]uint8
		rowToBuf    [smallN]int
		scratchBuf  [4*(smallN+1) + 1]int64
	)
	ents, validity, val, credit, find, alts, rowTo := entryBuf[:], validityBuf[:], valBuf[:], creditBuf[:], findBuf[:], altBuf[:], rowToBuf[:]
	if n > smallN || m > smallN {
		ents, validity = make([]*codeset.Entry, n), make([]codeset.Validity, n)
		val, credit, find, alts = make([]int64, n*m), make([]float64, n*m), make([]Findings, n*m), make([]uint8, n*m)
		rowTo = make([]int, n)
	}
	val, credit, find, alts = val[:n*m], credit[:n*m], find[:n*m], alts[:n*m]

	firstDx := -1
	for i := range entries {
		e := &entries[i]
		if e.Unreadable {
			continue
		}
		validity[i], ents[i] = book.Check(e.System, e.Code)
		if firstDx < 0 && e.System == codeset.ICD10CM {
			firstDx = i
		}
	}
	// Credit of every answer code against every key line. The tie-break term, far smaller than
	// any real difference in credit, makes the optimum unique: earlier key lines, then earlier
	// answer codes, win ties.
	for i := range entries {
		e := &entries[i]
		if e.Unreadable || validity[i] == codeset.Invalid || validity[i] == codeset.Discontinued {
			continue
		}
		for j := range key.Lines {
			c, f, alt := pairCredit(e, validity[i], &key.Lines[j])
			if c == 0 {
				continue
			}
			if j == key.Principal && i != firstDx {
				c *= creditSequencing
				f = f.With(Sequencing)
			}
			c = math.Round(c*1e6) / 1e6 // 0.6 × 0.75 is 0.45, not 0.44999999999999996
			credit[i*m+j], find[i*m+j], alts[i*m+j] = c, f, uint8(min(alt, 255))
			w := key.Lines[j].Weight
			val[i*m+j] = int64(math.Round(c*w*1e9)) + int64((m-j)*(n+1)+(n-i))
		}
	}
	assign(val, n, m, rowTo, scratchBuf[:])

	r := &Result{Mode: mode, Lines: make([]Line, 0, n+m)}
	var matched [smallN]bool
	matchedS := matched[:]
	if m > smallN {
		matchedS = make([]bool, m)
	}
	var earned, weights float64
	examOK := true
	for i := range entries {
		e := &entries[i]
		l := Line{Input: e.Input, KeyLine: -1}
		if e.Unreadable {
			l.Status, l.Findings = Unreadable, Findings(0).With(Unreadable)
			l.Message = fmt.Sprintf("%q is not a code: write codes like E11.65, 99214-25 or J1885 x2.", e.Input)
			r.Lines = append(r.Lines, l)
			continue
		}
		l.Code, l.System = e.Display(), e.System
		if ents[i] != nil && e.Modifiers.Len() == 0 && e.Units == 1 {
			l.Code = ents[i].Display()
		}
		if j := rowTo[i]; j >= 0 {
			kl := &key.Lines[j]
			matchedS[j] = true
			alt := int(alts[i*m+j])
			l.KeyLine, l.Key = j, keyDisplay(kl, alt)
			l.Findings, l.Credit = find[i*m+j], credit[i*m+j]
			l.Status = primary(l.Findings)
			if mode == Exam && l.Status != Correct {
				l.Credit = 0
			}
			if l.Status == Correct {
				r.Correct++
			} else {
				examOK = false
			}
			r.KeyCodes++
			weights += kl.Weight
			earned += l.Credit * kl.Weight
			l.Message = message(e, validity[i], kl, alt, &l, book)
			r.Lines = append(r.Lines, l)
			continue
		}
		r.Extra++
		examOK = false
		switch validity[i] {
		case codeset.Invalid, codeset.Discontinued:
			l.Status, l.Findings = Invalid, Findings(0).With(Invalid).With(Extra)
		case codeset.Header:
			l.Status, l.Findings = Extra, Findings(0).With(IncompleteCode).With(Extra)
		case codeset.Unverified:
			l.Status, l.Findings = Unverified, Findings(0).With(Unverified).With(Extra)
		default:
			l.Status, l.Findings = Extra, Findings(0).With(Extra)
		}
		l.Message = message(e, validity[i], nil, 0, &l, book)
		r.Lines = append(r.Lines, l)
	}
	for j := range key.Lines {
		kl := &key.Lines[j]
		if matchedS[j] || kl.Optional {
			continue
		}
		examOK = false
		r.KeyCodes++
		weights += kl.Weight
		l := Line{KeyLine: j, Key: keyDisplay(kl, 0), Code: "", System: kl.Codes[0].System, Status: Missing,
			Findings: Findings(0).With(Missing)}
		l.Message = missingMessage(kl, book)
		r.Lines = append(r.Lines, l)
	}
	denom := weights + extraPenalty*float64(r.Extra)
	switch {
	case denom == 0 || r.KeyCodes+r.Extra == 0:
		r.Score = 0
	case mode == Exam:
		if examOK {
			r.Score = 100
		}
	default:
		r.Score = math.Round(1000*earned/denom) / 10
	}
	if d := r.KeyCodes + r.Extra; d > 0 {
		r.Accuracy = math.Round(10000*float64(r.Correct)/float64(d)) / 10000
	}
	return r
}

// primary is the status shown for a matched line: the first finding that is not "correct".
func primary(f Findings) Status {
	for _, s := range findingOrder {
		if s != Correct && f.Has(s) {
			return s
		}
	}
	return Correct
}

// pairCredit is the credit table: one answer code against one key line, before sequencing. It
// returns the credit of the best alternate and that alternate's index.
func pairCredit(e *Entry, v codeset.Validity, kl *KeyLine) (float64, Findings, int) {
	best, bestF, bestAlt := 0.0, Findings(0), 0
	for i, kc := range kl.Codes {
		if kc.System != e.System {
			continue
		}
		c, f := codeCredit(e.System, e.Code, v, kc.Code)
		if c == 0 {
			continue
		}
		if e.System == codeset.CPT || e.System == codeset.HCPCS {
			if e.Modifiers != kc.Modifiers {
				c *= creditModifier
				f = f.With(Modifier)
			}
			if e.Units != kc.Units {
				c *= creditUnits
				f = f.With(Units)
			}
		}
		if c > best {
			best, bestF, bestAlt = c, f, i
		}
	}
	return best, bestF, bestAlt
}

func codeCredit(sys codeset.System, a string, v codeset.Validity, k string) (float64, Findings) {
	if a == k {
		if v == codeset.Header { // a key never holds a header once checked; be safe anyway
			return creditHeader, Findings(0).With(IncompleteCode)
		}
		return 1, Findings(0).With(Correct)
	}
	same := func(n int) bool { return len(a) >= n && len(k) >= n && a[:n] == k[:n] }
	switch sys {
	case codeset.ICD10CM:
		switch {
		case v == codeset.Header:
			if len(a) < len(k) && k[:len(a)] == a {
				return creditHeader, Findings(0).With(IncompleteCode)
			}
		case len(a) == 7 && len(k) == 7 && same(6):
			return creditSeventh, Findings(0).With(SeventhCharacter)
		case same(4):
			return creditSubcat, Findings(0).With(Specificity)
		case same(3):
			return creditCategory, Findings(0).With(Specificity)
		}
	case codeset.CPT:
		if same(4) {
			return creditLevel, Findings(0).With(WrongLevel)
		}
	case codeset.ICD10PCS:
		if same(4) {
			return creditPCS, Findings(0).With(Specificity)
		}
	case codeset.HCPCS:
		if same(3) {
			return creditRelated, Findings(0).With(RelatedCode)
		}
	}
	return 0, 0
}

// keyDisplay shows alternate alt of a key line with its modifiers and units.
func keyDisplay(kl *KeyLine, alt int) string { return kl.shown[alt] }
