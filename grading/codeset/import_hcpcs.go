package codeset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// CMS publishes HCPCS Level II as a fixed-width TXT (Windows-1252, a disclaimer preamble, long
// descriptions continued on extra lines) and as an XLSX with one row per code. Both carry a
// record id: 3 first line of a code, 4 its continuation, 7 first line of a modifier, 8 its
// continuation.

// hcpcsBuilder collects the records of either file.
type hcpcsBuilder struct {
	path, asOf string
	entries    []Entry
	lines      []int32
	modifiers  map[string]string
	modLine    map[string]int

	// the open record
	kind  byte // '3', '7' or 0
	code  string
	long  string
	short string
	term  string
	line  int
}

func newHCPCSBuilder(path, asOf string) *hcpcsBuilder {
	return &hcpcsBuilder{path: path, asOf: asOf, modifiers: map[string]string{}, modLine: map[string]int{}}
}

// record takes one record: line is its line (TXT) or row (XLSX) number.
func (b *hcpcsBuilder) record(line int, recid, code, long, short, term string) error {
	at := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", b.path, line, fmt.Sprintf(format, args...))
	}
	code = strings.TrimSpace(code)
	long = strings.TrimSpace(long)
	switch recid {
	case "3", "4":
		if !ShapeOK(HCPCS, code) {
			return at("%q is not an HCPCS Level II code (a letter A-V and 4 digits)", code)
		}
	case "7", "8":
		if !isModifier(code) {
			return at("%q is not a modifier (2 letters or digits)", code)
		}
	default:
		return at("record id %q, want 3 (code), 4 (code continued), 7 (modifier) or 8 (modifier continued)", recid)
	}
	if recid == "4" || recid == "8" {
		first := byte('3')
		if recid == "8" {
			first = '7'
		}
		if b.kind != first || b.code != code {
			return at("continuation line (record id %s) of %s does not follow the first line of %s", recid, code, code)
		}
		if long != "" {
			b.long += " " + long
		}
		return nil
	}
	term = strings.TrimSpace(term)
	if term != "" && !isDate(term) {
		return at("termination date %q of %s is not YYYYMMDD", term, code)
	}
	if recid == "7" {
		if at0, dup := b.modLine[code]; dup {
			return at("modifier %s is listed twice (first at line %d)", code, at0)
		}
		b.modLine[code] = line
	}
	if long == "" {
		return at("%s has no long description", code)
	}
	b.flush()
	b.kind, b.code, b.long, b.short, b.term, b.line = recid[0], code, long, strings.TrimSpace(short), term, line
	return nil
}

// flush stores the open record.
func (b *hcpcsBuilder) flush() {
	switch b.kind {
	case '3':
		e := Entry{Code: b.code, Billable: true, Short: b.short, Long: b.long}
		if b.term != "" && b.term <= b.asOf {
			e.Terminated = b.term
		}
		b.entries = append(b.entries, e)
		b.lines = append(b.lines, int32(b.line))
	case '7':
		b.modifiers[b.code] = b.long
	}
	b.kind = 0
}

func (b *hcpcsBuilder) set(source string) (*Set, error) {
	b.flush()
	if len(b.entries) == 0 {
		return nil, fmt.Errorf("%s: the file holds no HCPCS codes", b.path)
	}
	s, err := buildSet(b.path, HCPCS, source, b.entries, b.lines)
	if err != nil {
		return nil, err
	}
	s.Modifiers = b.modifiers
	return s, nil
}

func isModifier(m string) bool {
	return len(m) == 2 && (isUpper(m[0]) || isDigit(m[0])) && (isUpper(m[1]) || isDigit(m[1]))
}

// The fixed-width TXT layout (0-based offsets).
const (
	hcpSeq       = 5
	hcpRecID     = 10
	hcpLong      = 11
	hcpLongEnd   = 91
	hcpShortEnd  = 119
	hcpTerm      = 284
	hcpTermEnd   = 292
	hcpRecordLen = 320
	maxPreamble  = 100
)

// isHCPCSRecord reports whether a line has the shape of a record of the TXT file.
func isHCPCSRecord(l string) bool {
	if len(l) <= hcpLong || !allDigits(l[hcpSeq:hcpRecID]) {
		return false
	}
	switch l[hcpRecID] {
	case '3', '4':
		return ShapeOK(HCPCS, l[:5])
	case '7', '8':
		return l[:3] == "   " && isModifier(l[3:5])
	}
	return false
}

func importHCPCSText(path, source, asOf string, r *bufio.Reader) (*Set, error) {
	lr := &lineReader{path: path, r: r}
	b := newHCPCSBuilder(path, asOf)
	inRecords := false
	for {
		l, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !inRecords {
			if !isHCPCSRecord(string(l)) {
				if lr.n > maxPreamble {
					return nil, lr.errorf("no HCPCS record in the first %d lines", maxPreamble)
				}
				continue // the disclaimer preamble
			}
			inRecords = true
		}
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if len(l) <= hcpLong {
			return nil, lr.errorf("line cut short (%d characters): truncated file?", len(l))
		}
		if !allDigits(string(l[hcpSeq:hcpRecID])) {
			return nil, lr.errorf("sequence number %q in columns 6-10 is not 5 digits", l[hcpSeq:hcpRecID])
		}
		// Fields are cut from the raw bytes, then decoded: the columns count bytes.
		recid := string(l[hcpRecID : hcpRecID+1])
		long := decode1252(l[hcpLong:min(len(l), hcpLongEnd)])
		var short, term string
		if recid == "3" || recid == "7" {
			if len(l) < hcpTermEnd {
				return nil, lr.errorf("record cut short (%d characters, want %d): truncated file?", len(l), hcpRecordLen)
			}
			short, term = decode1252(l[hcpLongEnd:hcpShortEnd]), string(l[hcpTerm:hcpTermEnd])
		}
		if err := b.record(lr.n, recid, decode1252(l[:5]), long, short, term); err != nil {
			return nil, err
		}
	}
	if !inRecords {
		return nil, fmt.Errorf("%s: no HCPCS records found", path)
	}
	return b.set(source)
}

// decode1252 turns Windows-1252 text into a string; ASCII, which nearly all of it is, is kept
// as it is.
func decode1252(b []byte) string {
	for _, c := range b {
		if c >= 0x80 {
			s, err := charmap.Windows1252.NewDecoder().Bytes(b)
			if err != nil {
				return string(b)
			}
			return string(s)
		}
	}
	return string(b)
}

// The XLSX columns the importer needs, by their header names.
var hcpcsColumns = []string{"HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "TERM DT"}

func importHCPCSXLSX(path, source, asOf string, r io.Reader) (*Set, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable xlsx workbook: %w", path, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: the workbook has no worksheet", path)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %s: %w", path, sheets[0], err)
	}
	defer rows.Close()
	b := newHCPCSBuilder(path, asOf)
	var col []int // index of each hcpcsColumns entry
	for row := 1; rows.Next(); row++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, row, err)
		}
		if col == nil {
			col, err = hcpcsHeader(path, sheets[0], cells)
			if err != nil {
				return nil, err
			}
			continue
		}
		get := func(i int) string {
			if c := col[i]; c < len(cells) {
				return cells[c]
			}
			return ""
		}
		code, recid := get(0), strings.TrimSpace(get(1))
		if strings.TrimSpace(code) == "" && recid == "" {
			continue // an empty row
		}
		// The long description of a continuation record is in the same column.
		if err := b.record(row, recid, code, get(2), get(3), get(4)); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%s: sheet %s: %w", path, sheets[0], err)
	}
	if col == nil {
		return nil, fmt.Errorf("%s: sheet %s is empty", path, sheets[0])
	}
	return b.set(source)
}

// hcpcsHeader finds the needed columns in the header row.
func hcpcsHeader(path, sheet string, cells []string) ([]int, error) {
	at := map[string]int{}
	for i, c := range cells {
		name := strings.ToUpper(strings.Join(strings.Fields(c), " "))
		if _, dup := at[name]; !dup {
			at[name] = i
		}
	}
	col := make([]int, len(hcpcsColumns))
	var missing []string
	for i, name := range hcpcsColumns {
		c, ok := at[name]
		if !ok {
			missing = append(missing, name)
		}
		col[i] = c
	}
	switch {
	case slices.Contains(missing, "HCPC") && slices.Contains(missing, "RECID"):
		return nil, fmt.Errorf("%s:1: sheet %s is not an HCPCS Level II file: its header row has no HCPC and RECID columns", path, sheet)
	case len(missing) > 0:
		return nil, fmt.Errorf("%s:1: sheet %s: the header row lacks the column(s) %s", path, sheet, strings.Join(missing, ", "))
	}
	return col, nil
}
