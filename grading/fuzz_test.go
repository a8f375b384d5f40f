package grading

import (
	"testing"
	"unicode/utf8"
)

func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{"E11.65, I10", "99214 -25, J1885 (2 units)", "99214 mod 25 59", "J1885x2", "(", "x", "mod",
		"E11..65", "*Z79.4|E11.9", "0FT44ZZ\n\n\t;;", "\xff\xfe", "J1885 (2", "9999999999", "-", "2 units"} {
		f.Add(s)
	}
	book := testBook(f, true)
	key := MustParseKey(book, "E11.65, I10, 99214-25, J1885 x2, *Z79.4")
	f.Fuzz(func(t *testing.T, s string) {
		entries := ParseAnswer(s, key, book)
		for _, e := range entries {
			if len(e.Input) > len(s) {
				t.Fatalf("input %q longer than the answer", e.Input)
			}
			if !e.Unreadable && (e.Code == "" || e.System == 0 || e.Units < 1) {
				t.Fatalf("readable entry without code/system/units: %+v", e)
			}
		}
		r := GradeEntries(key, entries, book, Practice)
		if r.Score < 0 || r.Score > 100 {
			t.Fatalf("score %v", r.Score)
		}
		for _, l := range r.Lines {
			if utf8.ValidString(s) && !utf8.ValidString(l.Input) {
				t.Fatalf("line input %q is not valid UTF-8", l.Input)
			}
		}
	})
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"E11.65|E11.69, *Z79.4", "99214-25 J1885x2", "20610-RT", "*", "|", "E11.65||", "*|*", "96366 x 2",
		"0FT44ZZ", "A4550-", "\x00"} {
		f.Add(s)
	}
	book := testBook(f, true)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(book, s)
		if err != nil {
			return
		}
		if len(k.Lines) == 0 {
			t.Fatal("a key without lines parsed")
		}
		// A parsed key prints as key text that parses to the same key.
		again, err := ParseKey(book, k.String())
		if err != nil || again.String() != k.String() {
			t.Fatalf("round trip of %q: %q → %v %v", s, k.String(), again, err)
		}
		_ = k.Check(book)
		_ = Grade(k, s, book, Exam)
	})
}
