package grading

import (
	"os"
	"testing"

	"chartcode/grading/codeset"
)

const (
	benchKey    = "E11.65, I10, Z79.4, 99214-25, J1885 x2, 20610-RT"
	benchAnswer = "e1165, I10, Z79.84, 99214 -25, J1885, 20610-RT"
)

func benchmarkGrade(b *testing.B, book *codeset.Book) {
	key := MustParseKey(book, benchKey)
	b.ReportAllocs()
	for b.Loop() {
		r := Grade(key, benchAnswer, book, Practice)
		if r.Score == 0 {
			b.Fatal("zero score")
		}
	}
}

// BenchmarkGrade grades a typical answer (6 codes against a 6-line key) with a small code book.
func BenchmarkGrade(b *testing.B) { benchmarkGrade(b, testBook(b, true)) }

// BenchmarkGradeFullICD10CM does the same with the full official ICD-10-CM loaded: the cost and
// the allocations must not depend on the size of the code set.
func BenchmarkGradeFullICD10CM(b *testing.B) {
	const order = "../../shared/codesets/icd10cm/fy2026/icd10cm-order-2026.txt.gz"
	if _, err := os.Stat(order); err != nil {
		b.Skip("official code sets not found beside the checkout (../shared/codesets)")
	}
	imp, err := codeset.ImportFile(order, codeset.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	small := testBook(b, true)
	benchmarkGrade(b, codeset.NewBook(small.Set(codeset.HCPCS), small.Set(codeset.CPT), imp.Set))
}

// BenchmarkParseAnswer measures the parser alone.
func BenchmarkParseAnswer(b *testing.B) {
	book := testBook(b, true)
	key := MustParseKey(book, benchKey)
	var buf []Entry
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendAnswer(buf[:0], benchAnswer, key, book)
	}
}
