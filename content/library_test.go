package content_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"chartcode/content"
	"chartcode/exercises"
	"chartcode/grading/codeset"
)

func load(tb testing.TB) *exercises.Catalog {
	tb.Helper()
	builtin, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		tb.Fatal(err)
	}
	cat, problems := exercises.Load(content.Library(), codeset.NewBook(builtin...))
	if len(problems) > 0 {
		tb.Fatalf("the built-in library does not pass lint:\n%v", problems)
	}
	return cat
}

// TestLibrary checks the built-in library is complete enough for real CPC/CCS preparation.
func TestLibrary(t *testing.T) {
	cat := load(t)
	count := map[exercises.Type]int{}
	chapters := map[int]bool{}
	inpatientPCS, ccs := 0, 0
	for _, it := range cat.Items() {
		count[it.Type]++
		if it.Type == exercises.Case {
			hasPCS := false
			for _, l := range it.Key.Lines {
				c := l.Codes[0]
				switch c.System {
				case codeset.ICD10CM:
					chapters[chapter(c.Code)] = true
				case codeset.ICD10PCS:
					hasPCS = true
				}
			}
			if it.Setting == "inpatient" && hasPCS {
				inpatientPCS++
			}
		} else if it.HasCredential("CCS") && slices.Contains([]string{"ICD-10-PCS", "Inpatient guidelines", "ICD-10-CM", "Compliance & regulatory"}, it.Section) {
			ccs++
		}
	}
	if count[exercises.Case] < 60 {
		t.Errorf("%d cases, want at least 60", count[exercises.Case])
	}
	if n := count[exercises.Choice] + count[exercises.Multi]; n < 360 {
		t.Errorf("%d choice/multi items, want at least 360 (300 CPC + 60 CCS)", n)
	}
	if inpatientPCS < 12 {
		t.Errorf("%d inpatient cases with ICD-10-PCS keys, want at least 12", inpatientPCS)
	}
	if ccs < 60 {
		t.Errorf("%d CCS-style questions, want at least 60", ccs)
	}
	if len(chapters) < 15 {
		t.Errorf("case keys use ICD-10-CM codes of %d chapters, want at least 15", len(chapters))
	}
	// Three different 100-item CPC mocks can be drawn without repeating an item.
	cpc, ok := cat.Exam("exam-cpc-mock")
	if !ok {
		t.Fatal("no CPC mock exam")
	}
	if cpc.Total() != 100 || cpc.TimeLimit.Minutes() != 240 || cpc.PassMark != 70 {
		t.Errorf("CPC mock: %d items, %v, %v %%", cpc.Total(), cpc.TimeLimit, cpc.PassMark)
	}
	for _, s := range cpc.Sections {
		if n := len(cat.Pool(cpc, s)); n < 3*s.Count {
			t.Errorf("CPC section %s: %d items for three mocks of %d", s.Section, n, s.Count)
		}
	}
	for _, id := range []string{"exam-ccs-mock", "exam-diagnostic"} {
		if _, ok := cat.Exam(id); !ok {
			t.Errorf("no %s", id)
		}
	}
	if d, _ := cat.Exam("exam-diagnostic"); d != nil && d.Total() != 20 {
		t.Errorf("the diagnostic draws %d items", d.Total())
	}
	if n := len(cat.Quizzes()); n < 4 {
		t.Errorf("%d quizzes, want at least 4", n)
	}
	for _, q := range cat.Quizzes() {
		if len(q.Items) < 10 || len(q.Items) > 15 {
			t.Errorf("quiz %s has %d items, want 10-15", q.ID, len(q.Items))
		}
	}
	t.Logf("%d cases, %d choice, %d multi; %d inpatient PCS cases; %d CCS questions; ICD-10-CM chapters %d",
		count[exercises.Case], count[exercises.Choice], count[exercises.Multi], inpatientPCS, ccs, len(chapters))
}

// chapter returns the ICD-10-CM chapter of a normalized code, by the first code of each
// chapter's range.
func chapter(code string) int {
	starts := []string{"A00", "C00", "D50", "E00", "F01", "G00", "H00", "H60", "I00", "J00", "K00", "L00", "M00", "N00",
		"O00", "P00", "Q00", "R00", "S00", "V00", "Z00"}
	if code[0] == 'U' {
		return 22
	}
	ch := 0
	for i, s := range starts {
		if code[:3] >= s {
			ch = i + 1
		}
	}
	return ch
}

// TestKeysAgainstOfficial checks every key code against the official files: ICD-10-CM codes
// billable in FY2026, ICD-10-PCS codes valid in FY2026, HCPCS codes active in the 2025 file.
func TestKeysAgainstOfficial(t *testing.T) {
	const shared = "../../shared/codesets"
	files := map[codeset.System]string{
		codeset.ICD10CM:  "icd10cm/fy2026/icd10cm-order-2026.txt.gz",
		codeset.ICD10PCS: "icd10pcs/fy2026/icd10pcs_order_2026.txt.gz",
		codeset.HCPCS:    "hcpcs/cy2025-oct/HCPC2025_OCT_ANWEB.xlsx",
	}
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("official code sets not found (%s): skipping", shared)
	}
	official := map[codeset.System]*codeset.Set{}
	for sys, f := range files {
		imp, err := codeset.ImportFile(filepath.Join(shared, f), codeset.ImportOptions{AsOf: "20251001"})
		if err != nil {
			t.Fatal(err)
		}
		official[sys] = imp.Set
	}
	for _, it := range load(t).Items() {
		if it.Key == nil {
			continue
		}
		for _, l := range it.Key.Lines {
			for _, c := range l.Codes {
				set := official[c.System]
				if set == nil {
					continue // CPT: no official file may be shipped
				}
				e, ok := set.Lookup(c.Code)
				switch {
				case !ok:
					t.Errorf("%s: %s %s is not in the official file", it.File, c.System.Name(), c.Display())
				case !e.Billable:
					t.Errorf("%s: %s %s is not billable", it.File, c.System.Name(), c.Display())
				case e.Terminated != "":
					t.Errorf("%s: %s %s was discontinued on %s", it.File, c.System.Name(), c.Display(), e.Terminated)
				}
			}
		}
	}
}

// BenchmarkLoadLibrary measures loading, checking and rendering the whole built-in library,
// as the server does at start.
func BenchmarkLoadLibrary(b *testing.B) {
	builtin, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		b.Fatal(err)
	}
	book := codeset.NewBook(builtin...)
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := exercises.Load(content.Library(), book); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

// BenchmarkLoadBuiltinCodesets measures parsing the built-in code-set subset.
func BenchmarkLoadBuiltinCodesets(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codeset.LoadBuiltin(content.Codesets()); err != nil {
			b.Fatal(err)
		}
	}
}
