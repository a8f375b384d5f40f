package exercises

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
)

// crossCheck runs the checks that need the whole catalog: exam blueprints against the items
// available, quizzes against the items they name.
func (l *loader) crossCheck() {
	for _, b := range l.cat.exams {
		// A blueprint must be drawable: the sections drawing from one pool (same section and
		// types) together ask for no more items than it holds.
		asked := map[string]int{}
		for _, s := range b.Sections {
			if slices.Contains(Sections, s.Section) { // unknown sections are reported already
				asked[poolKey(b, s)] += s.Count
			}
		}
		for _, s := range b.Sections {
			k := poolKey(b, s)
			n, ok := asked[k]
			if !ok {
				continue // reported at the first line drawing from this pool
			}
			delete(asked, k)
			if have := len(l.cat.Pool(b, s)); n > have {
				l.add(b.File, s.Line, "sections: %s asks for %s but the library has %d of that section, type and credential",
					s.Section, plural(n, "item"), have)
			}
		}
	}
	for i, q := range l.cat.quizzes {
		for _, id := range q.Items {
			if _, ok := l.cat.byID[id]; !ok {
				l.add(q.File, l.quizLines[i], "items: no exercise has the id %q", id)
			}
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func poolKey(b *Blueprint, s SectionCount) string {
	types := s.Types
	if len(types) == 0 {
		types = b.Types
	}
	k := s.Section
	for _, t := range types {
		k += "|" + string(t)
	}
	return k
}

// phiPatterns are text that looks like real patient data. Content is synthetic: patients are
// described by age and sex, never by identifiers or calendar dates.
var phiPatterns = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`), "a social security number"},
	{regexp.MustCompile(`(?:\(\d{3}\)\s?|\b\d{3}[-.\s])\d{3}[-.]\d{4}\b`), "a telephone number"},
	{regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`), "an e-mail address"},
	{regexp.MustCompile(`(?i)\b(?:dob|d\.o\.b\.|date of birth|born(?: on)?)\b[\s:]*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|[a-z]+\.? \d{1,2},? \d{4})`), "a date of birth"},
	{regexp.MustCompile(`\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)\d{2}\b`), "a full calendar date"},
	{regexp.MustCompile(`\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, (?:19|20)\d{2}\b`), "a full calendar date"},
	{regexp.MustCompile(`(?i)\b(?:MRN|medical record (?:number|no\.?|#)|account (?:number|no\.?|#))[\s:#]*[A-Z]*\d{3,}`), "a medical record or account number"},
}

// checkPHI reports text that looks like real patient data, with its line.
func (l *loader) checkPHI(name string, src []byte) {
	for _, p := range phiPatterns {
		for _, loc := range p.re.FindAllIndex(src, -1) {
			line := 1 + bytes.Count(src[:loc[0]], []byte{'\n'})
			l.add(name, line, "looks like real patient data (%s: %q): content must be synthetic", p.what, src[loc[0]:loc[1]])
		}
	}
}
