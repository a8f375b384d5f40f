package codeset

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The official files live in the shared folder beside the repository (CI puts them there).
const sharedCodesets = "../../../shared/codesets"

// official returns the path of an official file, skipping the test when it is absent.
func official(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(sharedCodesets, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("official code-set file %s not found (it is expected in %s): %v", rel, sharedCodesets, err)
	}
	return p
}

func mustImport(tb testing.TB, path string, opt ImportOptions) *Imported {
	tb.Helper()
	im, err := ImportFile(path, opt)
	if err != nil {
		tb.Fatalf("ImportFile(%s): %v", path, err)
	}
	return im
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// orderLine formats one order-file line the way CDC and CMS do.
func orderLine(n int, code string, billable bool, short, long string) string {
	flag := "0"
	if billable {
		flag = "1"
	}
	return fmt.Sprintf("%05d %-7s %s %-60s %s", n, code, flag, short, long)
}

// smallOrder is a few lines of the ICD-10-CM order file.
var smallOrder = []string{
	orderLine(1, "A00", false, "Cholera", "Cholera"),
	orderLine(2, "A000", true, "Cholera due to Vibrio cholerae 01, biovar cholerae", "Cholera due to Vibrio cholerae 01, biovar cholerae"),
	orderLine(3, "A001", true, "Cholera due to Vibrio cholerae 01, biovar eltor", "Cholera due to Vibrio cholerae 01, biovar eltor"),
	orderLine(4, "A009", true, "Cholera, unspecified", "Cholera, unspecified"),
	orderLine(5, "E11", false, "Type 2 diabetes mellitus", "Type 2 diabetes mellitus"),
	orderLine(6, "E116", false, "Type 2 diabetes mellitus with other specified complications", "Type 2 diabetes mellitus with other specified complications"),
	orderLine(7, "E1165", true, "Type 2 diabetes mellitus with hyperglycemia", "Type 2 diabetes mellitus with hyperglycemia"),
	orderLine(8, "S0200XA", true, "Fracture of vault of skull, init for clos fx", "Fracture of vault of skull, initial encounter for closed fracture"),
}

func joinLines(lines []string, eol string) []byte { return []byte(strings.Join(lines, eol) + eol) }

func TestImportICD10CMOrderFY2026(t *testing.T) {
	path := official(t, "icd10cm/fy2026/icd10cm-order-2026.txt.gz")
	im := mustImport(t, path, ImportOptions{})
	if im.Format != FormatICD10CMOrder || im.Set.System != ICD10CM || im.Notes != nil {
		t.Fatalf("format %q system %v, want %q ICD-10-CM", im.Format, im.Set.System, FormatICD10CMOrder)
	}
	if im.Set.Source != "icd10cm-order-2026.txt" {
		t.Errorf("Source = %q, want the base name without .gz", im.Set.Source)
	}
	if b, h := im.Set.Counts(); b != 74719 || h != 23467 {
		t.Errorf("Counts() = %d billable, %d headers; want 74,719 and 23,467", b, h)
	}
	for _, tc := range []struct {
		code, parent string
		billable     bool
		long         string
	}{
		{"E1165", "E116", true, "Type 2 diabetes mellitus with hyperglycemia"},
		{"S52521A", "S52521", true, "Torus fracture of lower end of right radius, initial encounter for closed fracture"},
		{"E11", "", false, "Type 2 diabetes mellitus"},
		{"A00", "", false, "Cholera"},
		{"QA00101", "QA0010", true, "SCN2A-related neurodevelopmental disorder"}, // FY2026: a letter second
	} {
		e, ok := im.Set.Lookup(tc.code)
		if !ok {
			t.Errorf("%s missing", tc.code)
			continue
		}
		if e.Billable != tc.billable || e.Parent != tc.parent || e.Long != tc.long {
			t.Errorf("%s = billable %v parent %q long %q; want %v %q %q", tc.code, e.Billable, e.Parent, e.Long, tc.billable, tc.parent, tc.long)
		}
	}
	if e, _ := im.Set.Lookup("S52521A"); e.Short != "Torus fracture of lower end of right radius, init" {
		t.Errorf("S52521A short = %q", e.Short)
	}
}

func TestImportICD10CMCodesFY2026(t *testing.T) {
	codes := mustImport(t, official(t, "icd10cm/fy2026/icd10cm-codes-2026.txt.gz"), ImportOptions{})
	order := mustImport(t, official(t, "icd10cm/fy2026/icd10cm-order-2026.txt.gz"), ImportOptions{})
	if codes.Format != FormatICD10CMCodes {
		t.Fatalf("format %q, want %q", codes.Format, FormatICD10CMCodes)
	}
	if b, h := codes.Set.Counts(); b != 74719 || h != 0 {
		t.Errorf("Counts() = %d billable, %d headers; want 74,719 and 0", b, h)
	}
	var want, got []string
	for _, e := range order.Set.Entries() {
		if e.Billable {
			want = append(want, e.Code)
		}
	}
	for _, e := range codes.Set.Entries() {
		got = append(got, e.Code)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the codes file holds %d codes that differ from the order file's %d billable codes", len(got), len(want))
	}
	e, _ := codes.Set.Lookup("E1165")
	if e == nil || e.Long != "Type 2 diabetes mellitus with hyperglycemia" || e.Parent != "" {
		t.Errorf("E1165 = %+v", e)
	}
}

func TestImportICD10PCSOrderFY2026(t *testing.T) {
	im := mustImport(t, official(t, "icd10pcs/fy2026/icd10pcs_order_2026.txt.gz"), ImportOptions{})
	if im.Format != FormatICD10PCSOrder || im.Set.System != ICD10PCS {
		t.Fatalf("format %q system %v, want %q ICD-10-PCS", im.Format, im.Set.System, FormatICD10PCSOrder)
	}
	if b, h := im.Set.Counts(); b != 79115 || h != 914 {
		t.Errorf("Counts() = %d valid, %d headers; want 79,115 and 914", b, h)
	}
	e, ok := im.Set.Lookup("0016070")
	if !ok || !e.Billable || e.Parent != "001" ||
		e.Long != "Bypass Cerebral Ventricle to Nasopharynx with Autologous Tissue Substitute, Open Approach" {
		t.Errorf("0016070 = %+v", e)
	}
	if h, ok := im.Set.Lookup("001"); !ok || h.Billable || h.Long != "Central Nervous System and Cranial Nerves, Bypass" {
		t.Errorf("header 001 = %+v", h)
	}
}

func TestImportTabularFY2021(t *testing.T) {
	tab := mustImport(t, official(t, "icd10cm/fy2021/icd10cm_tabular_2021.xml.gz"), ImportOptions{})
	order := mustImport(t, official(t, "icd10cm/fy2021/icd10cm-order-Jan-2021.txt.gz"), ImportOptions{})
	if tab.Format != FormatICD10CMTabular || tab.Set != nil {
		t.Fatalf("format %q set %v, want %q and no set", tab.Format, tab.Set, FormatICD10CMTabular)
	}
	if b, h := order.Set.Counts(); b != 72621 || h != 22737 {
		t.Errorf("Jan-2021 order file: %d billable, %d headers; want 72,621 and 22,737", b, h)
	}
	set, n := order.Set.WithNotes(tab.Notes)
	// 9,434 codes carry notes in this release; all of them are in the matching order file.
	if n < 9000 {
		t.Errorf("%d codes got notes, want at least 9,000", n)
	}
	e11 := set.Notes("E11")
	if e11 == nil {
		t.Fatal("E11 has no notes")
	}
	if !slices.Contains(e11.UseAdditional, "insulin (Z79.4)") || !slices.Contains(e11.Excludes1, "type 1 diabetes mellitus (E10.-)") ||
		!slices.Contains(e11.Includes, "diabetes NOS") {
		t.Errorf("E11 notes = %+v", e11)
	}
	if s52 := set.Notes("S52"); s52 == nil || len(s52.SeventhNote) != 1 || len(s52.Other) != 3 || len(s52.Excludes2) != 1 {
		t.Errorf("S52 notes = %+v", s52)
	}
	if s520 := set.Notes("S520"); s520 == nil || !slices.Contains(s520.Inclusion, "Fracture of proximal end of ulna") {
		t.Errorf("S52.0 inclusion terms = %+v", s520)
	}

	chars := func(ext []Extension) string {
		var b strings.Builder
		for _, x := range ext {
			b.WriteString(x.Char)
		}
		return b.String()
	}
	// S52.52 (torus fracture, always closed) defines its own 7th characters, narrower than the
	// 16 of category S52 that other S52 codes inherit.
	if got := chars(set.Seventh("S52521A")); got != "ADGKPS" {
		t.Errorf("Seventh(S52521A) = %s, want ADGKPS (from S52.52)", got)
	}
	ext := set.Seventh("S52001A")
	if got := chars(ext); got != "ABCDEFGHJKMNPQRS" {
		t.Errorf("Seventh(S52001A) = %s, want ABCDEFGHJKMNPQRS (from S52)", got)
	}
	if len(ext) > 1 && ext[1].Meaning != "initial encounter for open fracture type I or II; initial encounter for open fracture NOS" {
		t.Errorf("S52 7th character B = %q: the note after it belongs to it", ext[1].Meaning)
	}
	if ext := set.Seventh("S52521A"); len(ext) > 0 && ext[0] != (Extension{"A", "initial encounter for closed fracture"}) {
		t.Errorf("S52.52 A = %+v", ext[0])
	}
	if set.Seventh("E1165") != nil {
		t.Errorf("E11.65 has 7th characters")
	}
}

func TestImportHCPCS(t *testing.T) {
	asOf := "20251001"
	xl := mustImport(t, official(t, "hcpcs/cy2025-oct/HCPC2025_OCT_ANWEB.xlsx"), ImportOptions{AsOf: asOf})
	txt := mustImport(t, official(t, "hcpcs/cy2020-format-sample/HCPC2020_ANWEB_w_disclaimer.txt"), ImportOptions{AsOf: asOf})
	if xl.Format != FormatHCPCSXLSX || txt.Format != FormatHCPCSTXT {
		t.Fatalf("formats %q and %q", xl.Format, txt.Format)
	}
	for _, tc := range []struct {
		im              *Imported
		codes, mods     int
		source          string
		terminatedAtLst int
	}{
		{xl, 8463, 383, "HCPC2025_OCT_ANWEB.xlsx", 1},
		{txt, 6710, 369, "HCPC2020_ANWEB_w_disclaimer.txt", 1},
	} {
		s := tc.im.Set
		if b, h := s.Counts(); b != tc.codes || h != 0 || len(s.Modifiers) != tc.mods {
			t.Errorf("%s: %d billable, %d headers, %d modifiers; want %d, 0, %d", tc.source, b, h, len(s.Modifiers), tc.codes, tc.mods)
		}
		if s.System != HCPCS || s.Source != tc.source {
			t.Errorf("system %v source %q", s.System, s.Source)
		}
		terminated := 0
		for _, e := range s.Entries() {
			if e.Terminated != "" {
				terminated++
				if e.Terminated > asOf {
					t.Errorf("%s: %s terminated %s, after the as-of date", tc.source, e.Code, e.Terminated)
				}
			}
		}
		if terminated < tc.terminatedAtLst {
			t.Errorf("%s: no terminated codes", tc.source)
		}
		if m := s.Modifiers["AD"]; m != "Medical supervision by a physician: more than four concurrent anesthesia procedures" {
			t.Errorf("%s: modifier AD = %q", tc.source, m)
		}
	}

	// The releases are five years apart: codes were added, and some descriptors reworded.
	common, same := 0, 0
	for _, e := range txt.Set.Entries() {
		o, ok := xl.Set.Lookup(e.Code)
		if !ok {
			continue
		}
		common++
		if o.Billable != e.Billable {
			t.Errorf("%s: billable %v in the xlsx, %v in the txt", e.Code, o.Billable, e.Billable)
		}
		if o.Long == e.Long {
			same++
		}
	}
	// Measured: all 6,710 codes of 2020 are still listed in 2025 (terminated ones included), and
	// 6,387 long descriptions (95.2 %) are identical.
	if common != 6710 {
		t.Errorf("%d codes of the 2020 txt are in the 2025 xlsx, want all 6,710", common)
	}
	if ratio := float64(same) / float64(common); ratio < 0.95 {
		t.Errorf("long descriptions agree for %d of %d codes (%.1f %%), want at least 95 %%", same, common, 100*ratio)
	}

	// A long description spread over a first line and two continuation lines.
	const a0384 = "Bls specialized service disposable supplies; defibrillation (used by als ambulances and bls ambulances in jurisdictions where defibrillation is permitted in bls ambulances)"
	for _, im := range []*Imported{txt, xl} {
		if e, _ := im.Set.Lookup("A0384"); e == nil || e.Long != a0384 {
			t.Errorf("%s: A0384 = %+v, want long %q", im.Format, e, a0384)
		}
	}
	if e, _ := txt.Set.Lookup("A4221"); e == nil || e.Long != "Supplies for maintenance of non-insulin drug infusion catheter, per week (list drugs  separately)" ||
		e.Short != "Supp non-insulin inf cath/wk" {
		t.Errorf("txt A4221 = %+v", e)
	}
}

func TestImportHCPCSAsOf(t *testing.T) {
	path := official(t, "hcpcs/cy2020-format-sample/HCPC2020_ANWEB_w_disclaimer.txt")
	all := mustImport(t, path, ImportOptions{AsOf: "99991231"})
	var term *Entry
	for _, e := range all.Set.Entries() {
		if e.Terminated != "" {
			term = &e
			break
		}
	}
	if term == nil {
		t.Fatal("no code with a termination date")
	}
	day, err := time.Parse("20060102", term.Terminated)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		asOf string
		want string
	}{
		{day.AddDate(0, 0, -1).Format("20060102"), ""},
		{term.Terminated, term.Terminated},
		{"", term.Terminated}, // today
	} {
		im := mustImport(t, path, ImportOptions{AsOf: tc.asOf})
		if e, _ := im.Set.Lookup(term.Code); e == nil || e.Terminated != tc.want {
			t.Errorf("as of %q: %s terminated %q, want %q", tc.asOf, term.Code, e.Terminated, tc.want)
		}
	}
	if _, err := ImportFile(path, ImportOptions{AsOf: "2025-10-01"}); err == nil {
		t.Error("an as-of date not in YYYYMMDD form was accepted")
	}
}

// hcpcsRecord formats one record of the HCPCS fixed-width TXT.
func hcpcsRecord(code string, seq int, recid byte, long, short, term string) string {
	l := fmt.Sprintf("%-5s%05d%c%-80s", code, seq, recid, long)
	if recid == '4' || recid == '8' {
		return strings.TrimRight(l, " ")
	}
	b := []byte(fmt.Sprintf("%s%-28s", l, short) + strings.Repeat(" ", 320-119))
	copy(b[284:], term)
	return string(b)
}

func TestImportHCPCSTextSmall(t *testing.T) {
	lines := []string{
		"Note regarding coverage in CMS\x92 2020 HCPCS Update",
		"",
		hcpcsRecord("   AD", 100, '7', "Medical supervision by a physician: more than four concurrent anesthesia", "Md sup >4 anes proc", ""),
		hcpcsRecord("   AD", 200, '8', "procedures", "", ""),
		hcpcsRecord("A4221", 100, '3', "Supplies for maintenance of non-insulin drug infusion catheter, per week (list", "Supp non-insulin inf cath/wk", ""),
		hcpcsRecord("A4221", 200, '4', "drugs  separately)", "", ""),
		hcpcsRecord("A9999", 100, '3', "Caf\xe9 supply", "Cafe", "20191231"),
	}
	path := writeFile(t, "hcpcs.txt", joinLines(lines, "\r\n"))
	im := mustImport(t, path, ImportOptions{AsOf: "20200101"})
	s := im.Set
	if im.Format != FormatHCPCSTXT || s.Len() != 2 || len(s.Modifiers) != 1 {
		t.Fatalf("format %q, %d codes, %d modifiers", im.Format, s.Len(), len(s.Modifiers))
	}
	if m := s.Modifiers["AD"]; m != "Medical supervision by a physician: more than four concurrent anesthesia procedures" {
		t.Errorf("AD = %q", m)
	}
	if e, _ := s.Lookup("A4221"); e.Long != "Supplies for maintenance of non-insulin drug infusion catheter, per week (list drugs  separately)" || e.Terminated != "" {
		t.Errorf("A4221 = %+v", e)
	}
	if e, _ := s.Lookup("A9999"); e.Long != "Café supply" || e.Terminated != "20191231" || !e.Billable {
		t.Errorf("A9999 = %+v (Windows-1252 é, terminated)", e)
	}
}

func TestImportCPT(t *testing.T) {
	want := []Entry{
		{Code: "0001F", Short: "Heart failure composite measure", Long: "Heart failure composite measure"},
		{Code: "99213", Short: "Office visit, established patient, low complexity", Long: "Office visit, established patient, low complexity"},
	}
	for _, tc := range []struct{ name, data string }{
		{"no header", "99213,\"Office visit, established patient, low complexity\"\n0001f,Heart failure composite measure\n"},
		{"header", "code,descriptor\r\n99213,\"Office visit, established patient, low complexity\"\r\n0001F, Heart failure composite measure\r\n"},
		{"BOM and CPT Code header", "\xef\xbb\xbfCPT Code,Description\n99213,\"Office visit, established patient, low complexity\"\n0001F,Heart failure composite measure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := mustImport(t, writeFile(t, "cpt.csv", []byte(tc.data)), ImportOptions{})
			if im.Format != FormatCPTCSV || im.Set.System != CPT || im.Set.Source != "cpt.csv" {
				t.Fatalf("format %q system %v source %q", im.Format, im.Set.System, im.Set.Source)
			}
			got := im.Set.Entries()
			if len(got) != len(want) {
				t.Fatalf("%d entries, want %d", len(got), len(want))
			}
			for i, e := range got {
				if e.Code != want[i].Code || e.Long != want[i].Long || e.Short != want[i].Short || !e.Billable || e.System != CPT {
					t.Errorf("entry %d = %+v, want %+v", i, e, want[i])
				}
			}
		})
	}
}

// TestImportVariants: gzip, CRLF, LF and a missing final line end give the same set.
func TestImportVariants(t *testing.T) {
	crlf := joinLines(smallOrder, "\r\n")
	variants := map[string][]byte{
		"lf.txt":      joinLines(smallOrder, "\n"),
		"crlf.txt":    crlf,
		"noeol.txt":   bytes.TrimSuffix(crlf, []byte("\r\n")),
		"crlf.txt.gz": gzipBytes(t, crlf),
		"lf.txt.gz":   gzipBytes(t, joinLines(smallOrder, "\n")),
		"crlf.gz.bin": gzipBytes(t, crlf), // detected by content, not name
		"bom.txt":     append([]byte("\xef\xbb\xbf"), crlf...),
	}
	var ref *Set
	for name, data := range variants {
		im := mustImport(t, writeFile(t, name, data), ImportOptions{})
		if im.Format != FormatICD10CMOrder {
			t.Errorf("%s: format %q", name, im.Format)
		}
		if strings.HasSuffix(name, ".gz") && im.Set.Source != strings.TrimSuffix(name, ".gz") {
			t.Errorf("%s: source %q", name, im.Set.Source)
		}
		if ref == nil {
			ref = im.Set
			continue
		}
		if !reflect.DeepEqual(im.Set.Entries(), ref.Entries()) {
			t.Errorf("%s: entries differ:\n%+v\nwant\n%+v", name, im.Set.Entries(), ref.Entries())
		}
	}
	if b, h := ref.Counts(); b != 5 || h != 3 {
		t.Errorf("%d billable, %d headers; want 5 and 3", b, h)
	}
	if e, _ := ref.Lookup("S0200XA"); e.Short != "Fracture of vault of skull, init for clos fx" || e.Long != "Fracture of vault of skull, initial encounter for closed fracture" {
		t.Errorf("S0200XA = %+v", e)
	}
}

func TestImportPCSSmall(t *testing.T) {
	lines := []string{
		orderLine(1, "001", false, "Central Nervous System and Cranial Nerves, Bypass", "Central Nervous System and Cranial Nerves, Bypass"),
		orderLine(2, "0016070", true, "Bypass Cereb Vent to Nasophar with Autol Sub, Open Approach", "Bypass Cerebral Ventricle to Nasopharynx with Autologous Tissue Substitute, Open Approach"),
		orderLine(3, "GZH", false, "Mental Health, None, Narcosynthesis", "Mental Health, None, Narcosynthesis"),
		orderLine(4, "GZHZZZZ", true, "Narcosynthesis", "Narcosynthesis"),
	}
	im := mustImport(t, writeFile(t, "pcs.txt", joinLines(lines, "\r\n")), ImportOptions{})
	if im.Format != FormatICD10PCSOrder || im.Set.Len() != 4 {
		t.Fatalf("format %q, %d entries", im.Format, im.Set.Len())
	}
	if e, _ := im.Set.Lookup("GZHZZZZ"); e == nil || e.Parent != "GZH" {
		t.Errorf("GZHZZZZ = %+v", e)
	}
	codes := mustImport(t, writeFile(t, "pcs-codes.txt", []byte("0016070 Bypass Cerebral Ventricle to Nasopharynx\nGZHZZZZ Narcosynthesis\n")), ImportOptions{})
	if codes.Format != FormatICD10PCSCodes || codes.Set.System != ICD10PCS {
		t.Errorf("codes file: format %q system %v", codes.Format, codes.Set.System)
	}
}

func TestImportErrors(t *testing.T) {
	order := func(edit func(lines []string) []string) []byte {
		return joinLines(edit(slices.Clone(smallOrder)), "\r\n")
	}
	set := func(i int, l string) func([]string) []string {
		return func(lines []string) []string { lines[i] = l; return lines }
	}
	xml := "<?xml version=\"1.0\"?>\n<ICD10CM.tabular>\n<chapter><section>\n<diag><name>E11</name>\n<includes><note>x</note></include>\n</diag></section></chapter></ICD10CM.tabular>\n"
	bigOrder := order(func(l []string) []string {
		for range 200 {
			l = append(l, l...)
			if len(l) > 4000 {
				break
			}
		}
		return l
	})
	for _, tc := range []struct {
		name string
		file string
		data func(t *testing.T) []byte
		want []string // substrings of the error
	}{
		{"bad flag", "bad-flag.txt", func(*testing.T) []byte {
			return order(set(2, strings.Replace(smallOrder[2], " 1 ", " 2 ", 1)))
		}, []string{"bad-flag.txt:3:", "flag in column 15"}},
		{"order number", "num.txt", func(*testing.T) []byte { return order(set(1, "0000x"+smallOrder[1][5:])) }, []string{"num.txt:2:", "order number"}},
		{"separator", "sep.txt", func(*testing.T) []byte {
			l := []byte(smallOrder[3])
			l[76] = 'x'
			return order(set(3, string(l)))
		}, []string{"sep.txt:4:", "column 77 must be blank"}},
		{"code shape", "shape.txt", func(*testing.T) []byte { return order(set(4, orderLine(5, "E1-", false, "x", "x"))) }, []string{"shape.txt:5:", `"E1-" is not an ICD-10-CM code`}},
		{"PCS code in a CM file", "mixed.txt", func(*testing.T) []byte { return order(set(5, orderLine(6, "0016070", true, "x", "x"))) }, []string{"mixed.txt:6:", "not an ICD-10-CM code"}},
		{"7-character header", "hdr.txt", func(*testing.T) []byte { return order(set(7, orderLine(8, "S0200XA", false, "x", "x"))) }, []string{"hdr.txt:8:", "always billable"}},
		{"code listed twice", "dup.txt", func(*testing.T) []byte { return order(set(3, orderLine(4, "A001", true, "x", "x"))) }, []string{"dup.txt:4:", "A00.1 is listed twice (first at line 3)"}},
		{"last line cut short", "cut.txt", func(*testing.T) []byte { return order(set(7, smallOrder[7][:15])) }, []string{"cut.txt:8:", "cut short"}},
		{"long description missing", "nolong.txt", func(*testing.T) []byte {
			return bytes.TrimSuffix(order(set(7, smallOrder[7][:77])), []byte("\r\n"))
		}, []string{"nolong.txt:8:", "long description missing"}},
		{"codes file without description", "codes.txt", func(*testing.T) []byte { return []byte("A000    Cholera due to Vibrio cholerae\r\nA001\r\n") }, []string{"codes.txt:2:", "description missing"}},
		{"truncated gzip", "trunc.txt.gz", func(t *testing.T) []byte {
			z := gzipBytes(t, bigOrder)
			return z[:len(z)/2]
		}, []string{"trunc.txt.gz:", "truncated"}},
		{"gzip header only", "hdr.gz", func(t *testing.T) []byte { return gzipBytes(t, bigOrder)[:5] }, []string{"hdr.gz:", "gzip"}},
		{"addenda", "icd10cm-order-addenda.txt", func(*testing.T) []byte {
			return []byte("Delete:      1 B880    Other acariasis                                              Other acariasis\r\n")
		}, []string{"icd10cm-order-addenda.txt:1:", "addenda"}},
		{"empty", "empty.txt", func(*testing.T) []byte { return nil }, []string{"empty.txt:", "empty"}},
		{"empty gzip", "empty.txt.gz", func(t *testing.T) []byte { return gzipBytes(t, []byte("\r\n")) }, []string{"empty.txt.gz:", "empty"}},
		{"unknown", "notes.txt", func(*testing.T) []byte { return []byte("Some notes about coding\n") }, []string{"notes.txt:", "unknown format"}},
		{"other XML", "tables.xml", func(*testing.T) []byte {
			return []byte("<?xml version=\"1.0\"?>\n<ICD10PCS.tabular></ICD10PCS.tabular>")
		}, []string{"tables.xml:", "<ICD10PCS.tabular>"}},
		{"malformed XML", "tab.xml", func(*testing.T) []byte { return []byte(xml) }, []string{"tab.xml:5:", "malformed XML"}},
		{"truncated XML", "tab2.xml", func(*testing.T) []byte { return []byte(xml[:strings.Index(xml, "<includes>")]) }, []string{"tab2.xml:5:", "malformed XML"}},
		{"bad CPT code", "bad.csv", func(*testing.T) []byte { return []byte("code,descriptor\n99213,Office visit\n9921,Too short\n") }, []string{"bad.csv:3:", `"9921" is not a CPT code`}},
		{"CPT field count", "fields.csv", func(*testing.T) []byte { return []byte("99213,Office visit\n99214,Office, visit\n") }, []string{"fields.csv:2:", "3 fields"}},
		{"CPT bad quote", "quote.csv", func(*testing.T) []byte { return []byte("99213,Office visit\n99214,\"Office\" visit\"\n") }, []string{"quote.csv:2:", "malformed CSV"}},
		{"HCPCS continuation alone", "orphan.txt", func(*testing.T) []byte {
			return joinLines([]string{
				hcpcsRecord("A4221", 100, '3', "Supplies", "Supp", ""),
				hcpcsRecord("A4222", 200, '4', "drugs separately)", "", ""),
			}, "\r\n")
		}, []string{"orphan.txt:2:", "does not follow"}},
		{"HCPCS record cut short", "short.txt", func(*testing.T) []byte {
			return joinLines([]string{
				hcpcsRecord("A4221", 100, '3', "Supplies", "Supp", ""),
				hcpcsRecord("A4222", 100, '3', "Infusion supplies", "Inf", "")[:150],
			}, "\r\n")
		}, []string{"short.txt:2:", "cut short"}},
		{"xlsx missing columns", "missing.xlsx", func(t *testing.T) []byte {
			return xlsxBytes(t, []any{"HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION"}, []any{"A0021", "0010", "3", "Ambulance"})
		}, []string{"missing.xlsx:1:", "SHORT DESCRIPTION, TERM DT"}},
		{"xlsx of something else", "other.xlsx", func(t *testing.T) []byte { return xlsxBytes(t, []any{"Name", "Value"}) }, []string{"other.xlsx:1:", "not an HCPCS"}},
		{"xlsx bad code", "code.xlsx", func(t *testing.T) []byte {
			return xlsxBytes(t, []any{"HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "TERM DT"},
				[]any{"A0021", "3", "Ambulance", "Amb", ""}, []any{"99213", "3", "Office visit", "Ov", ""})
		}, []string{"code.xlsx:3:", `"99213" is not an HCPCS Level II code`}},
		{"xlsx bad date", "date.xlsx", func(t *testing.T) []byte {
			return xlsxBytes(t, []any{"HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "TERM DT"},
				[]any{"A0021", "3", "Ambulance", "Amb", "2019-12-31"})
		}, []string{"date.xlsx:2:", "YYYYMMDD"}},
		{"broken zip", "broken.xlsx", func(*testing.T) []byte { return []byte("PK\x03\x04 not really a zip") }, []string{"broken.xlsx:", "xlsx"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.file, tc.data(t))
			im, err := ImportFile(path, ImportOptions{AsOf: "20250101"})
			if err == nil {
				t.Fatalf("no error; imported %+v", im)
			}
			if im != nil {
				t.Errorf("a result came with the error: %+v", im)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := ImportFile(filepath.Join(t.TempDir(), "absent.txt"), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "absent.txt") {
		t.Errorf("missing file: %v", err)
	}
}

// xlsxBytes builds a one-sheet workbook from rows.
func xlsxBytes(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportRefusesOtherOfficialFiles(t *testing.T) {
	for _, tc := range []struct{ rel, want string }{
		{"icd10cm/fy2026/icd10cm-order-addenda-2026.txt", "addenda"},
		{"icd10cm/fy2026/icd10cm-codes-addenda-2026.txt", "addenda"},
		{"icd10pcs/fy2026/order_addenda_2026.txt", "addenda"},
		{"icd10pcs/fy2026/icd10pcs_tables_2026.xml", "<ICD10PCS.tabular>"},
		{"icd10cm/fy2021/icd10cm_drug_2021.xml", "<ICD10CM.index>"},
		{"icd10cm/fy2025-april-update/icd10cm-drug-April-2025.csv", "unknown format"},
		{"hcpcs/cy2020-format-sample/HCPC2020_README.txt", "unknown format"},
		{"icd10cm/fy2026/icd10OrderFiles.pdf", "unknown format"},
	} {
		t.Run(filepath.Base(tc.rel), func(t *testing.T) {
			path := official(t, tc.rel)
			im, err := ImportFile(path, ImportOptions{})
			if err == nil || im != nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.rel)) {
				t.Errorf("ImportFile = %v, %v; want an error naming the file and %q", im, err, tc.want)
			}
		})
	}
}

func TestImportProgress(t *testing.T) {
	data := gzipBytes(t, joinLines(smallOrder, "\r\n"))
	path := writeFile(t, "order.txt.gz", data)
	var calls [][2]int64
	mustImport(t, path, ImportOptions{Progress: func(done, total int64) { calls = append(calls, [2]int64{done, total}) }})
	if len(calls) == 0 {
		t.Fatal("progress never called")
	}
	last := calls[len(calls)-1]
	if last != [2]int64{int64(len(data)), int64(len(data))} {
		t.Errorf("last progress call %v, want done = total = %d", last, len(data))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Errorf("progress went back: %v", calls)
		}
	}
}

// FuzzImportFile: whatever the bytes, ImportFile returns either a result or an error, never
// both, and does not panic.
func FuzzImportFile(f *testing.F) {
	f.Add(joinLines(smallOrder, "\r\n"))
	f.Add([]byte("A000    Cholera\nA001    Cholera eltor\n"))
	f.Add([]byte("code,descriptor\n99213,Office visit\n"))
	f.Add([]byte("Delete:      B880    Other acariasis\n"))
	f.Add([]byte(hcpcsRecord("A4221", 100, '3', "Supplies", "Supp", "20191231") + "\n" + hcpcsRecord("A4221", 200, '4', "more", "", "")))
	f.Add([]byte("<ICD10CM.tabular><chapter><section><diag><name>S52</name><sevenChrDef><extension char=\"A\">initial</extension><note>x</note></sevenChrDef></diag></section></chapter></ICD10CM.tabular>"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.in")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		im, err := ImportFile(path, ImportOptions{AsOf: "20250101"})
		if (im == nil) == (err == nil) {
			t.Fatalf("ImportFile = %v, %v: want exactly one of a result and an error", im, err)
		}
	})
}

func benchmarkImport(b *testing.B, rel string) {
	path := official(b, rel)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ImportFile(path, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportICD10CMOrder imports the full FY2026 ICD-10-CM order file (98,186 lines).
func BenchmarkImportICD10CMOrder(b *testing.B) {
	benchmarkImport(b, "icd10cm/fy2026/icd10cm-order-2026.txt.gz")
}

func BenchmarkImportICD10PCSOrder(b *testing.B) {
	benchmarkImport(b, "icd10pcs/fy2026/icd10pcs_order_2026.txt.gz")
}

func BenchmarkImportTabularXML(b *testing.B) {
	benchmarkImport(b, "icd10cm/fy2021/icd10cm_tabular_2021.xml.gz")
}

func BenchmarkImportHCPCSXLSX(b *testing.B) {
	benchmarkImport(b, "hcpcs/cy2025-oct/HCPC2025_OCT_ANWEB.xlsx")
}

func BenchmarkImportHCPCSText(b *testing.B) {
	benchmarkImport(b, "hcpcs/cy2020-format-sample/HCPC2020_ANWEB_w_disclaimer.txt")
}
