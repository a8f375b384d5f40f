package codeset_test

import (
	"os"
	"path/filepath"
	"testing"

	"chartcode/content"
	"chartcode/grading/codeset"
)

// shared is where CI keeps the official code-set files, beside the checkout.
const shared = "../../../shared/codesets"

func officialFile(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(shared, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("official code sets not found (%s): skipping", p)
	}
	return p
}

func importOfficial(tb testing.TB, rel string) *codeset.Imported {
	tb.Helper()
	imp, err := codeset.ImportFile(officialFile(tb, rel), codeset.ImportOptions{AsOf: "20251001"})
	if err != nil {
		tb.Fatal(err)
	}
	return imp
}

// TestBuiltinAgainstOfficial checks the code-set subset compiled into the binary against the
// official files: every ICD-10-CM code exists in FY2026 with the same billable flag, every
// ICD-10-PCS code in FY2026, every HCPCS code in the 2025 file and active, and every billable
// ICD-10-CM code has its category and subcategories.
func TestBuiltinAgainstOfficial(t *testing.T) {
	builtin, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		t.Fatal(err)
	}
	official := map[codeset.System]*codeset.Set{
		codeset.ICD10CM:  importOfficial(t, "icd10cm/fy2026/icd10cm-order-2026.txt.gz").Set,
		codeset.ICD10PCS: importOfficial(t, "icd10pcs/fy2026/icd10pcs_order_2026.txt.gz").Set,
		codeset.HCPCS:    importOfficial(t, "hcpcs/cy2025-oct/HCPC2025_OCT_ANWEB.xlsx").Set,
	}
	for _, set := range builtin {
		off := official[set.System]
		if off == nil {
			continue
		}
		for _, e := range set.Entries() {
			o, ok := off.Lookup(e.Code)
			switch {
			case !ok:
				t.Errorf("built-in %s %s is not in the official file", set.System.Name(), e.Display())
			case o.Billable != e.Billable:
				t.Errorf("built-in %s %s: billable %v, official %v", set.System.Name(), e.Display(), e.Billable, o.Billable)
			case o.Terminated != "":
				t.Errorf("built-in %s %s was discontinued on %s", set.System.Name(), e.Display(), o.Terminated)
			}
			if set.System != codeset.ICD10CM || !e.Billable {
				continue
			}
			for _, a := range off.Ancestors(e.Code) {
				if _, ok := set.Lookup(a.Code); !ok {
					t.Errorf("built-in ICD-10-CM %s lacks its header %s", e.Display(), a.Display())
				}
			}
		}
	}
	book := codeset.NewBook(builtin...)
	icd := book.Set(codeset.ICD10CM)
	if b, h := icd.Counts(); b < 2000 {
		t.Errorf("the built-in ICD-10-CM subset holds %d billable codes and %d headers; want at least 2,000 codes", b, h)
	}
	if len(book.Modifiers()) < 60 {
		t.Errorf("only %d modifiers built in", len(book.Modifiers()))
	}
}

// BenchmarkSearchFullICD10CM searches the full FY2026 ICD-10-CM by code and by words.
func BenchmarkSearchFullICD10CM(b *testing.B) {
	book := codeset.NewBook(importOfficial(b, "icd10cm/fy2026/icd10cm-order-2026.txt.gz").Set)
	queries := []string{"diabetes hyperglycemia", "type 2 diabetes with foot ul", "fracture lower end radius", "E11.6", "s52",
		"chest pain", "pneumonia", "hyper", "a", "acute kidney failure", "z79"}
	book.Search("warm up the index", 1)
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range queries {
			book.Search(q, 20)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(queries)), "µs/query")
}
