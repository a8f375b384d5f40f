package codeset

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The ICD-10-CM Tabular List XML nests diag elements (category → subcategory → code). Each
// diag names its code and may carry instruction elements, each a list of note elements:
//
//	<diag><name>E11</name><desc>..</desc>
//	  <includes><note>..</note></includes> <excludes1/> <useAdditionalCode/> ...
//	  <sevenChrNote><note/></sevenChrNote>
//	  <sevenChrDef><extension char="A">initial encounter</extension>...</sevenChrDef>
//	  <diag>..</diag>
//	</diag>
//
// The file is streamed token by token; chapter- and section-level notes are not kept.

// noteList returns the list of n that the notes of a diag's child element go to, or nil when
// the element holds no notes we keep.
func noteList(n *Notes, elem string) *[]string {
	switch elem {
	case "inclusionTerm":
		return &n.Inclusion
	case "includes":
		return &n.Includes
	case "excludes1":
		return &n.Excludes1
	case "excludes2":
		return &n.Excludes2
	case "codeFirst":
		return &n.CodeFirst
	case "useAdditionalCode":
		return &n.UseAdditional
	case "codeAlso":
		return &n.CodeAlso
	case "notes":
		return &n.Other
	case "sevenChrNote":
		return &n.SeventhNote
	}
	return nil
}

func isNoteList(elem string) bool {
	var n Notes
	return noteList(&n, elem) != nil
}

type tabularDiag struct {
	code  string
	line  int
	notes Notes
}

// importTabular reads the Tabular List XML into normalized code → notes, keeping only codes
// that have notes.
func importTabular(path string, r io.Reader) (map[string]*Notes, error) {
	d := xml.NewDecoder(r)
	var (
		stack []string       // element names from the root down
		diags []*tabularDiag // the open diag elements
		out   = map[string]*Notes{}
		seen  = map[string]int{} // code → line of its diag
		// text collection for the element at depth collect (0: not collecting)
		collect int
		text    strings.Builder
		extChar string
	)
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s:%d: malformed XML: %s", path, se.Line, se.Msg)
			}
			return nil, fmt.Errorf("%s:%d: %w", path, line(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 && name != "ICD10CM.tabular" {
				return nil, fmt.Errorf("%s:%d: root element is <%s>, want <ICD10CM.tabular>", path, line(), name)
			}
			stack = append(stack, name)
			if collect > 0 {
				continue // markup inside a note: keep its text
			}
			depth := len(stack)
			parent := ""
			if depth >= 2 {
				parent = stack[depth-2]
			}
			inDiag := len(diags) > 0 && depth >= 3 && stack[depth-3] == "diag"
			switch {
			case name == "diag":
				diags = append(diags, &tabularDiag{line: line()})
			case name == "name" && parent == "diag":
				collect = depth
			case name == "note" && inDiag && (parent == "sevenChrDef" || isNoteList(parent)):
				collect = depth
			case name == "extension" && inDiag && parent == "sevenChrDef":
				collect = depth
				extChar = ""
				for _, a := range t.Attr {
					if a.Name.Local == "char" {
						extChar = strings.TrimSpace(a.Value)
					}
				}
				if extChar == "" {
					return nil, fmt.Errorf("%s:%d: extension without a char attribute", path, line())
				}
			}
		case xml.CharData:
			if collect > 0 {
				text.Write(t)
			}
		case xml.EndElement:
			depth := len(stack)
			if depth == 0 {
				continue // the decoder rejects unbalanced tags itself
			}
			name := stack[depth-1]
			stack = stack[:depth-1]
			if collect == depth {
				collect = 0
				s := strings.Join(strings.Fields(text.String()), " ")
				text.Reset()
				dg := diags[len(diags)-1]
				switch parent := stack[depth-2]; {
				case name == "name":
					code := Normalize(s)
					if !isICD10CMShape(code) {
						return nil, fmt.Errorf("%s:%d: diag name %q is not an ICD-10-CM code", path, line(), s)
					}
					if dg.code != "" {
						return nil, fmt.Errorf("%s:%d: diag %s has a second name %q", path, line(), dg.code, s)
					}
					if at, dup := seen[code]; dup {
						return nil, fmt.Errorf("%s:%d: diag %s is listed twice (first at line %d)", path, line(), s, at)
					}
					seen[code] = dg.line
					dg.code = code
				case name == "extension":
					dg.notes.Seventh = append(dg.notes.Seventh, Extension{Char: extChar, Meaning: s})
				case parent == "sevenChrDef":
					// A note between extensions adds an inclusion term to the extension above it
					// (S52 B: "initial encounter for open fracture NOS").
					if s == "" {
						break
					}
					if n := len(dg.notes.Seventh); n > 0 {
						dg.notes.Seventh[n-1].Meaning += "; " + s
					} else {
						dg.notes.SeventhNote = append(dg.notes.SeventhNote, s)
					}
				default:
					if s != "" {
						l := noteList(&dg.notes, parent)
						*l = append(*l, s)
					}
				}
			}
			if name == "diag" {
				dg := diags[len(diags)-1]
				diags = diags[:len(diags)-1]
				if dg.code == "" {
					return nil, fmt.Errorf("%s:%d: diag (opened at line %d) has no name", path, line(), dg.line)
				}
				if !dg.notes.Empty() {
					n := dg.notes
					out[dg.code] = &n
				}
			}
		}
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("%s: the tabular XML holds no diag elements", path)
	}
	return out, nil
}
