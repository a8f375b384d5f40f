package codeset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// CPT belongs to the AMA, so no CPT file ships with Chartcode. An organization holding a
// license imports its own list as CSV: `code,descriptor` per line, an optional header row,
// descriptors with commas quoted.

// isCPTCode reports whether a CSV field holds a CPT code: 5 digits, or 4 digits and F, T or U.
func isCPTCode(field string) bool {
	c := Normalize(field)
	return len(c) == 5 && isCPTShape(c)
}

// isCSVHeader reports whether the first record is a header row (its first field has no digit,
// as in "code" or "CPT Code").
func isCSVHeader(rec []string) bool {
	return len(rec) >= 2 && !strings.ContainsAny(rec[0], "0123456789")
}

// looksLikeCPTCSV reports whether the first lines of a file are a CPT CSV.
func looksLikeCPTCSV(lines []string) bool {
	cr := csv.NewReader(strings.NewReader(strings.Join(lines[:min(2, len(lines))], "\n")))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil || len(rec) < 2 {
		return false
	}
	if isCPTCode(rec[0]) {
		return true
	}
	if !isCSVHeader(rec) {
		return false
	}
	rec, err = cr.Read()
	return err == nil && len(rec) >= 2 && isCPTCode(rec[0])
}

func importCPT(path, source string, r *bufio.Reader) (*Set, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var (
		entries []Entry
		lines   []int32
	)
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: malformed CSV: %v", path, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if first && isCSVHeader(rec) && !isCPTCode(rec[0]) {
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 2 (code,descriptor); quote a descriptor that holds a comma", path, line, len(rec))
		}
		if !isCPTCode(rec[0]) {
			return nil, fmt.Errorf("%s:%d: %q is not a CPT code (5 digits, or 4 digits and F, T or U)", path, line, rec[0])
		}
		desc := strings.TrimSpace(rec[1])
		if !utf8.ValidString(desc) {
			desc = decode1252([]byte(desc)) // a spreadsheet's "CSV" export in the Windows code page
		}
		if desc == "" {
			return nil, fmt.Errorf("%s:%d: CPT %s has no descriptor", path, line, rec[0])
		}
		entries = append(entries, Entry{Code: Normalize(rec[0]), Billable: true, Short: desc, Long: desc})
		lines = append(lines, int32(line))
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: the file holds no CPT codes", path)
	}
	return buildSet(path, CPT, source, entries, lines)
}
