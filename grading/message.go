package grading

import (
	"strings"

	"chartcode/grading/codeset"
)

// msg builds one sentence in a single allocation.
type msg struct {
	b    strings.Builder
	book *codeset.Book
}

func (m *msg) init(book *codeset.Book) *msg {
	m.book = book
	m.b.Grow(160)
	return m
}

func (m *msg) s(parts ...string) *msg {
	for _, p := range parts {
		m.b.WriteString(p)
	}
	return m
}

// desc writes " (description)" for a code the book knows.
func (m *msg) desc(sys codeset.System, code string) *msg {
	if e := m.book.Lookup(sys, code); e != nil && e.Short != "" {
		m.s(" (", e.Short, ")")
	}
	return m
}

// seventh writes " (meaning)" of the 7th character of code, when the tabular notes are loaded.
func (m *msg) seventh(code string) *msg {
	s := m.book.Set(codeset.ICD10CM)
	if s == nil || len(code) < 7 {
		return m
	}
	for _, x := range s.Seventh(code) {
		if x.Char == code[6:7] {
			return m.s(" (", x.Meaning, ")")
		}
	}
	return m
}

func (m *msg) String() string { return m.b.String() }

// message is the one-sentence explanation of a line, written for the person who answered.
// kl is nil for answer codes that matched no key line.
func message(e *Entry, v codeset.Validity, kl *KeyLine, alt int, l *Line, book *codeset.Book) string {
	code := l.Code
	var mb msg
	m := mb.init(book)
	if kl == nil {
		switch {
		case l.Status == Invalid && v == codeset.Discontinued:
			ent := book.Lookup(e.System, e.Code)
			return m.s(code, " was discontinued on ", dateText(ent.Terminated), " and cannot be reported.").String()
		case l.Status == Invalid:
			m.s(code, " is not a valid ", e.System.Name(), " code")
			for i, near := range book.Nearest(e.System, e.Code, 3) {
				if i == 0 {
					m.s("; valid codes nearby: ")
				} else {
					m.s(", ")
				}
				m.s(near.Display())
			}
			return m.s(".").String()
		case l.Status == Unverified:
			return m.s(code, " does not match the key (it cannot be checked further without a CPT file).").String()
		case v == codeset.Header:
			return m.s(code, " is a category header, not a reportable code, and matches nothing the documentation supports.").String()
		}
		return m.s(code).desc(e.System, e.Code).s(" is not supported by the documentation: extra codes lower the score.").String()
	}

	kc := kl.Codes[alt]
	switch primaryCode(l.Findings) {
	case Correct:
		if l.Findings.Has(Modifier) || l.Findings.Has(Units) {
			m.s(code, " is the right code")
		} else {
			m.s(code, " is correct")
		}
	case SeventhCharacter:
		m.s("The 7th character of ", code, " should be ", kc.Code[6:]).seventh(kc.Code).s(", not ", e.Code[6:]).seventh(e.Code)
	case Specificity:
		switch {
		case e.System == codeset.ICD10PCS:
			m.s(code, " has the right section, body system, root operation and body part, but the key has ", kc.Display()).
				desc(kc.System, kc.Code).s(": check approach, device and qualifier")
		case len(e.Code) >= 4 && len(kc.Code) >= 4 && e.Code[:4] == kc.Code[:4]:
			m.s(code, " is in the right subcategory, but the documentation supports the more specific ", kc.Display()).
				desc(kc.System, kc.Code)
		default:
			m.s(code, " is in the right category, but the documentation supports ", kc.Display()).desc(kc.System, kc.Code)
		}
	case IncompleteCode:
		m.s(code, " is a header, not a reportable code: code to the full ", kc.Display()).desc(kc.System, kc.Code)
	case WrongLevel:
		m.s(code, " is the wrong level or variant of the service: the key has ", kc.Display())
	case RelatedCode:
		m.s(code, " is a related ", e.System.Name(), " code, but the key has ", kc.Display()).desc(kc.System, kc.Code)
	}
	if l.Findings.Has(Modifier) {
		m.s("; modifiers should be ", modText(kc.Modifiers), ", not ", modText(e.Modifiers))
	}
	if l.Findings.Has(Units) {
		m.s("; units should be ", itoa(kc.Units), ", not ", itoa(e.Units))
	}
	if l.Findings.Has(Sequencing) {
		m.s("; as the principal / first-listed diagnosis it must be reported first")
	}
	if l.Status == Correct && l.Key != code {
		m.s(" (accepted for ", l.Key, ")")
	}
	return m.s(".").String()
}

func missingMessage(kl *KeyLine, book *codeset.Book) string {
	kc := kl.Codes[0]
	var mb msg
	m := mb.init(book).s("Missing ", kl.shown[0]).desc(kc.System, kc.Code)
	for i, c := range kl.Codes[1:] {
		if i == 0 {
			m.s(" (or ")
		} else {
			m.s(", ")
		}
		m.s(c.Display())
		if i == len(kl.Codes)-2 {
			m.s(")")
		}
	}
	return m.s(": the documentation supports it.").String()
}

// primaryCode is the code-level finding of a line (Correct when the code itself is right).
func primaryCode(f Findings) Status {
	for _, s := range [...]Status{SeventhCharacter, Specificity, IncompleteCode, WrongLevel, RelatedCode} {
		if f.Has(s) {
			return s
		}
	}
	return Correct
}

func modText(m Modifiers) string {
	if m.Len() == 0 {
		return "none"
	}
	return m.String()
}

func dateText(d string) string {
	if len(d) == 8 {
		return d[:4] + "-" + d[4:6] + "-" + d[6:]
	}
	return d
}
