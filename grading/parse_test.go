package grading

import (
	"strings"
	"testing"

	"chartcode/grading/codeset"
)

func TestParseAnswer(t *testing.T) {
	book := testBook(t, true)
	tests := []struct {
		in   string
		want []string // Display() of each entry; unreadable ones as "?input"
	}{
		{"E11.65", []string{"E11.65"}},
		{"e1165", []string{"E11.65"}},
		{"  E11.65,I10;J18.9\nZ79.4\tS52.521a ", []string{"E11.65", "I10", "J18.9", "Z79.4", "S52.521A"}},
		{"99214-25", []string{"99214-25"}},
		{"99214 -25", []string{"99214-25"}},
		{"99214-25-59", []string{"99214-25-59"}},
		{"99214-59-25", []string{"99214-25-59"}},
		{"99214 mod 25", []string{"99214-25"}},
		{"99214 modifier 25 59", []string{"99214-25-59"}},
		{"20610-rt", []string{"20610-RT"}},
		{"J1885 x2", []string{"J1885 x2"}},
		{"J1885x2", []string{"J1885 x2"}},
		{"J1885 *2", []string{"J1885 x2"}},
		{"J1885 (2 units)", []string{"J1885 x2"}},
		{"J1885 (2)", []string{"J1885 x2"}},
		{"J1885 2 units", []string{"J1885 x2"}},
		{"J1885 x 3", []string{"J1885 x3"}},
		{"97110-GPx2, 97110-gp-59X3", []string{"97110-GP x2", "97110-59-GP x3"}},
		{"96365, 96366 x2", []string{"96365", "96366 x2"}},
		{"0FT44ZZ", []string{"0FT44ZZ"}},
		{"O32.1XX0, o321xx0", []string{"O32.1XX0", "O32.1XX0"}},
		{"0001U", []string{"0001U"}},
		{"hello world, E11.9", []string{"?hello world", "E11.9"}},
		{"E11.9 x2", []string{"E11.9", "?x2"}}, // ICD-10-CM codes take no units
		{"", nil},
		{",,, ;", nil},
		{"E11..9", []string{"?E11..9"}},
		{"-25", []string{"?-25"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseAnswer(tt.in, nil, book)
			var disp []string
			for _, e := range got {
				if e.Unreadable {
					disp = append(disp, "?"+e.Input)
				} else {
					disp = append(disp, e.Display())
				}
			}
			if strings.Join(disp, "|") != strings.Join(tt.want, "|") {
				t.Errorf("ParseAnswer(%q) = %q, want %q", tt.in, disp, tt.want)
			}
		})
	}
}

func TestParseAnswerKeepsInput(t *testing.T) {
	got := ParseAnswer("99214 mod 25, J1885 (2 units)", nil, testBook(t, false))
	if len(got) != 2 || got[0].Input != "99214 mod 25" || got[1].Input != "J1885 (2 units)" {
		t.Fatalf("inputs = %+v", got)
	}
}

func TestAmbiguousShape(t *testing.T) {
	book := testBook(t, false)
	tests := []struct {
		name, key, answer string
		want              codeset.System
	}{
		{"dot means ICD-10-CM", "J1885", "E11.65", codeset.ICD10CM},
		{"key expects ICD-10-CM", "E11.65", "E1165", codeset.ICD10CM},
		{"key expects HCPCS", "J1885, E0110", "E1165", codeset.HCPCS},
		{"exists only in ICD-10-CM, key uses both", "E11.9, J1885", "E1169", codeset.ICD10CM},
		{"exists only in HCPCS", "I10", "E0110", codeset.HCPCS},
		{"both exist, key uses only ICD-10-CM", "I10", "E1165", codeset.ICD10CM},
		{"both exist, key uses only HCPCS", "J1885", "E1165", codeset.HCPCS},
		{"PCS shape only", "0FT44ZZ", "0FT44ZZ", codeset.ICD10PCS},
		{"7 characters of both shapes, exists in ICD-10-CM", "I10", "W19XXXA", codeset.ICD10CM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := MustParseKey(book, tt.key)
			got := ParseAnswer(tt.answer, key, book)
			if len(got) != 1 || got[0].System != tt.want {
				t.Fatalf("%q read as %+v, want system %v", tt.answer, got, tt.want)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	book := testBook(t, false)
	tests := []struct {
		in, want  string
		principal int
	}{
		{"E11.65, I10", "E11.65, I10", 0},
		{"99214-25, E11.65|E11.69, *Z79.4", "99214-25, E11.65|E11.69, *Z79.4", 1},
		{"J1885 x2, 20610-RT", "J1885 x2, 20610-RT", -1},
		{"96365 96366x2", "96365, 96366 x2", -1},
		{"e119, i10", "E11.9, I10", 0},
		{"E1169", "E11.69", 0},
		{"0FT44ZZ", "0FT44ZZ", -1},
		{"12002-59|12002-XS", "12002-59|12002-XS", -1},
		{"20610|20611-RT", "20610|20611-RT", -1},
		{"J1885x2|J1885-JW x2", "J1885x2|J1885-JWx2", -1},
		{"99213|99214 -25", "99213|99214-25", -1},
	}
	for _, tt := range tests {
		k, err := ParseKey(book, tt.in)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", tt.in, err)
			continue
		}
		if k.String() != tt.want || k.Principal != tt.principal {
			t.Errorf("ParseKey(%q) = %q principal %d, want %q principal %d", tt.in, k, k.Principal, tt.want, tt.principal)
		}
	}
	for _, bad := range []string{"", "  ,", "hello", "E11.65, bogus", "E11.65-25", "E1165", "J1885|E11.9", "I10 x2", "J9999", "I10|I11.0-25"} {
		if k, err := ParseKey(book, bad); err == nil {
			t.Errorf("ParseKey(%q) = %q, want an error", bad, k)
		}
	}
}

func TestParseKeyGroups(t *testing.T) {
	book := testBook(t, false)
	// E1165 exists in both systems of the test book: the group decides.
	k, err := ParseKeyGroups(book, Group{Text: "E1165", Systems: []codeset.System{codeset.ICD10CM}},
		Group{Text: "E1165", Systems: []codeset.System{codeset.CPT, codeset.HCPCS, codeset.ICD10PCS}})
	if err != nil {
		t.Fatal(err)
	}
	if got := k.String(); got != "E11.65, E1165" || k.Lines[1].Codes[0].System != codeset.HCPCS {
		t.Errorf("groups read as %q", got)
	}
}

func TestKeyCheck(t *testing.T) {
	book := testBook(t, false)
	k := MustParseKey(book, "E11.6, E11.99, I10, A4550, 99214, J18.99")
	var got []string
	for _, p := range k.Check(book) {
		got = append(got, p.Error())
	}
	want := []string{
		"E11.6: a header, not a billable ICD-10-CM code",
		"E11.99: not a valid ICD-10-CM code (nearest: E11.9)",
		"A4550: discontinued on 20100101",
		"J18.99: not a valid ICD-10-CM code (nearest: J18.9)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Check =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
