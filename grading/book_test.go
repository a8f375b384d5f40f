package grading

import (
	"testing"

	"chartcode/grading/codeset"
)

// testBook is a small code book built in memory: enough codes for every row of the credit
// table, a CPT set when withCPT is set, and one code shared by two systems' shapes (E1165).
func testBook(t testing.TB, withCPT bool) *codeset.Book {
	t.Helper()
	icd := []codeset.Entry{
		{Code: "E11", Short: "Type 2 diabetes"},
		{Code: "E116", Short: "Type 2 diabetes with other complications"},
		{Code: "E1164", Short: "Type 2 diabetes with hypoglycemia"},
		{Code: "E11649", Billable: true, Short: "Type 2 diabetes with hypoglycemia, no coma"},
		{Code: "E1165", Billable: true, Short: "Type 2 diabetes with hyperglycemia"},
		{Code: "E1169", Billable: true, Short: "Type 2 diabetes with other complication"},
		{Code: "E118", Billable: true, Short: "Type 2 diabetes with unspecified complications"},
		{Code: "E119", Billable: true, Short: "Type 2 diabetes without complications"},
		{Code: "I10", Billable: true, Short: "Essential hypertension"},
		{Code: "I11", Short: "Hypertensive heart disease"},
		{Code: "I110", Billable: true, Short: "Hypertensive heart disease with heart failure"},
		{Code: "I50", Short: "Heart failure"},
		{Code: "I502", Short: "Systolic heart failure"},
		{Code: "I5022", Billable: true, Short: "Chronic systolic heart failure"},
		{Code: "J18", Short: "Pneumonia, organism unspecified"},
		{Code: "J189", Billable: true, Short: "Pneumonia, unspecified"},
		{Code: "S52", Short: "Forearm fracture"},
		{Code: "S525", Short: "Fracture of lower end of radius"},
		{Code: "S5252", Short: "Torus fracture of lower radius"},
		{Code: "S52521", Short: "Torus fracture of lower right radius"},
		{Code: "S52521A", Billable: true, Short: "Torus fracture of lower right radius, initial"},
		{Code: "S52521D", Billable: true, Short: "Torus fracture of lower right radius, subsequent"},
		{Code: "S52522", Short: "Torus fracture of lower left radius"},
		{Code: "S52522A", Billable: true, Short: "Torus fracture of lower left radius, initial"},
		{Code: "W19", Short: "Unspecified fall"},
		{Code: "W19XXXA", Billable: true, Short: "Unspecified fall, initial"},
		{Code: "Z79", Short: "Long-term drug therapy"},
		{Code: "Z794", Billable: true, Short: "Long-term insulin use"},
		{Code: "Z7984", Billable: true, Short: "Long-term oral hypoglycemic use"},
		{Code: "Z798", Short: "Other long-term drug therapy"},
	}
	hcpcs := []codeset.Entry{
		{Code: "J1885", Billable: true, Short: "Ketorolac injection, per 15 mg"},
		{Code: "J1030", Billable: true, Short: "Methylprednisolone acetate, 40 mg"},
		{Code: "J1040", Billable: true, Short: "Methylprednisolone acetate, 80 mg"},
		{Code: "J0696", Billable: true, Short: "Ceftriaxone, per 250 mg"},
		{Code: "E1165", Billable: true, Short: "Test-only HCPCS code sharing a shape with E11.65"},
		{Code: "E0110", Billable: true, Short: "Crutches, forearm"},
		{Code: "A4550", Billable: true, Short: "Surgical trays", Terminated: "20100101"},
	}
	pcs := []codeset.Entry{
		{Code: "0FT"}, {Code: "0FT44ZZ", Billable: true, Short: "Resection of gallbladder, perc endo"},
		{Code: "0FT40ZZ", Billable: true, Short: "Resection of gallbladder, open"},
		{Code: "0DT"}, {Code: "0DTJ4ZZ", Billable: true, Short: "Resection of appendix, perc endo"},
	}
	sets := []*codeset.Set{mustSet(t, codeset.ICD10CM, icd), mustSet(t, codeset.HCPCS, hcpcs), mustSet(t, codeset.ICD10PCS, pcs)}
	if withCPT {
		var cpt []codeset.Entry
		for _, c := range []string{"99213", "99214", "99215", "20610", "20611", "11042", "11045", "96365", "96366", "0001U"} {
			cpt = append(cpt, codeset.Entry{Code: c, Billable: true, Short: "licensed descriptor"})
		}
		sets = append(sets, mustSet(t, codeset.CPT, cpt))
	}
	sets[1].Modifiers = map[string]string{"25": "Separate E/M", "RT": "Right side", "LT": "Left side", "59": "Distinct service"}
	return codeset.NewBook(sets...)
}

func mustSet(t testing.TB, sys codeset.System, entries []codeset.Entry) *codeset.Set {
	t.Helper()
	s, err := codeset.NewSet(sys, "test", entries)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
