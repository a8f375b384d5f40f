package codeset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The formats ImportFile recognizes, as reported in Imported.Format.
const (
	FormatICD10CMOrder   = "icd10cm-order"
	FormatICD10CMCodes   = "icd10cm-codes"
	FormatICD10PCSOrder  = "icd10pcs-order"
	FormatICD10PCSCodes  = "icd10pcs-codes"
	FormatICD10CMTabular = "icd10cm-tabular"
	FormatHCPCSTXT       = "hcpcs-txt"
	FormatHCPCSXLSX      = "hcpcs-xlsx"
	FormatCPTCSV         = "cpt-csv"
)

// Imported is what one official file holds.
type Imported struct {
	Format string // one of the Format* constants
	// Set holds the codes (nil for the tabular XML). Its Source is the file's base name without
	// .gz; an HCPCS set has Modifiers filled from the modifier records.
	Set *Set
	// Notes holds the tabular notes (tabular XML only): normalized code → its notes.
	Notes map[string]*Notes
}

// ImportOptions tune ImportFile.
type ImportOptions struct {
	// Progress, when set, is called now and then with the bytes of the file on disk consumed
	// so far and the file's size, and once more at the end with done == total.
	Progress func(done, total int64)
	// AsOf (YYYYMMDD) is the date HCPCS termination dates are compared with: a code whose
	// termination date is on or before it is kept but marked Terminated. "" means today (UTC).
	AsOf string
}

const (
	peekSize     = 64 << 10 // what format detection may look at
	progressStep = 256 << 10
)

// ImportFile reads one official code-set file: an ICD-10-CM order or codes file, an ICD-10-PCS
// order (or codes) file, the ICD-10-CM Tabular List XML, the HCPCS Level II fixed-width TXT or
// XLSX, or a licensed CPT CSV (`code,descriptor`). The format is detected from the content,
// never from the name; gzip-compressed files are read transparently, and CRLF and LF line ends
// both work. Errors name the file and, where there is one, the line; on error nothing is
// returned, never a partial set.
func ImportFile(path string, opt ImportOptions) (*Imported, error) {
	asOf := opt.AsOf
	if asOf == "" {
		asOf = time.Now().UTC().Format("20060102")
	} else if !isDate(asOf) {
		return nil, fmt.Errorf("import %s: as-of date %q is not YYYYMMDD", path, asOf)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("import %s: is a directory, not a code-set file", path)
	}
	cr := &countingReader{r: f, total: st.Size(), progress: opt.Progress}
	raw := bufio.NewReaderSize(cr, 64<<10)
	var src io.Reader = raw
	if magic, _ := raw.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: not a readable gzip file: %w", path, gzipError(err))
		}
		defer zr.Close()
		src = gzipReader{zr}
	}
	br := bufio.NewReaderSize(src, peekSize)
	head, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	format, err := detect(path, head)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM)) // an editor's UTF-8 mark; the formats are ASCII
	}
	source := filepath.Base(path)
	if strings.HasSuffix(strings.ToLower(source), ".gz") {
		source = source[:len(source)-3]
	}
	im := &Imported{Format: format}
	switch format {
	case FormatICD10CMOrder, FormatICD10PCSOrder, FormatICD10CMCodes, FormatICD10PCSCodes:
		im.Set, im.Format, err = importICD(path, source, format, br)
	case FormatICD10CMTabular:
		im.Notes, err = importTabular(path, br)
	case FormatHCPCSTXT:
		im.Set, err = importHCPCSText(path, source, asOf, br)
	case FormatHCPCSXLSX:
		im.Set, err = importHCPCSXLSX(path, source, asOf, br)
	case FormatCPTCSV:
		im.Set, err = importCPT(path, source, br)
	}
	if err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(st.Size(), st.Size())
	}
	return im, nil
}

// detect names the format of a file from its first bytes (after gzip), or refuses it.
func detect(path string, head []byte) (string, error) {
	head = bytes.TrimPrefix(head, utf8BOM)
	if len(bytes.TrimSpace(head)) == 0 {
		return "", fmt.Errorf("%s: the file is empty", path)
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return FormatHCPCSXLSX, nil // the columns are checked when it is read
	}
	if trimmed := bytes.TrimLeft(head, " \t\r\n"); trimmed[0] == '<' {
		switch root := xmlRoot(trimmed); root {
		case "ICD10CM.tabular":
			return FormatICD10CMTabular, nil
		case "":
			return "", fmt.Errorf("%s: unknown format: XML without a root element", path)
		default:
			return "", fmt.Errorf("%s: unknown format: XML with root <%s>; of the XML files only the ICD-10-CM Tabular List (root <ICD10CM.tabular>) can be imported", path, root)
		}
	}
	lines := firstLines(head, 40)
	first := lines[0]
	for _, label := range []string{"Add:", "Delete:", "Revise"} {
		if strings.HasPrefix(first, label) {
			return "", fmt.Errorf("%s:1: this is an addenda file (Add:/Delete:/Revise lines listing the changes since the previous year); import the full order or codes file of the year instead", path)
		}
	}
	switch {
	case len(first) >= 6 && allDigits(first[:5]) && first[5] == ' ':
		return FormatICD10CMOrder, nil // or PCS: decided from the codes while reading
	case looksLikeCodesLine(first):
		return FormatICD10CMCodes, nil // or PCS, likewise
	}
	for _, l := range lines {
		if isHCPCSRecord(l) {
			return FormatHCPCSTXT, nil
		}
	}
	if looksLikeCPTCSV(lines) {
		return FormatCPTCSV, nil
	}
	return "", fmt.Errorf("%s: unknown format: not an ICD-10-CM or ICD-10-PCS order or codes file, ICD-10-CM Tabular XML, HCPCS Level II TXT or XLSX, or CPT CSV (code,descriptor); first line %q",
		path, clip(first, 60))
}

var utf8BOM = []byte("\xef\xbb\xbf")

// firstLines returns up to n complete lines of head without their line ends (the last line
// too when head is the whole file), skipping empty lines; at least one line.
func firstLines(head []byte, n int) []string {
	var out []string
	for len(head) > 0 && len(out) < n {
		i := bytes.IndexByte(head, '\n')
		var l []byte
		if i < 0 {
			if len(head) == peekSize && len(out) > 0 {
				break // probably cut by the peek window
			}
			l, head = head, nil
		} else {
			l, head = head[:i], head[i+1:]
		}
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, string(l))
		}
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

// xmlRoot returns the name of the first element of an XML document, skipping the
// declaration, comments and a DOCTYPE.
func xmlRoot(b []byte) string {
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return ""
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return ""
			}
			b = b[i+3:]
		case bytes.HasPrefix(b, []byte("<!")):
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return ""
			}
			b = b[i+1:]
		case bytes.HasPrefix(b, []byte("<")):
			end := bytes.IndexAny(b, " \t\r\n/>")
			if end < 0 {
				return ""
			}
			return string(b[1:end])
		default:
			return ""
		}
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func isDate(s string) bool { return len(s) == 8 && allDigits(s) }

// countingReader counts the bytes read from the file on disk and reports progress.
type countingReader struct {
	r        io.Reader
	done     int64
	total    int64
	next     int64
	progress func(done, total int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += int64(n)
	if c.progress != nil && c.done >= c.next {
		c.progress(c.done, c.total)
		c.next = c.done + progressStep
	}
	return n, err
}

var (
	errGzipTruncated = errors.New("the gzip data is truncated (the file was cut short)")
	errGzipCorrupt   = errors.New("the gzip data is corrupt (checksum mismatch)")
)

// gzipReader gives the errors of a damaged gzip stream a message that says what happened.
type gzipReader struct{ r io.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(err)
	}
	return n, err
}

func gzipError(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errGzipTruncated
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("%w: %w", errGzipCorrupt, err)
	}
	return err
}

// lineReader reads a text file line by line without allocating, counting lines and stripping
// the line end (LF or CRLF).
type lineReader struct {
	path string
	r    *bufio.Reader
	n    int // number of the line last returned
}

// next returns the next line, valid until the following call, or io.EOF at the end. Other
// errors name the file and line.
func (lr *lineReader) next() ([]byte, error) {
	line, err := lr.r.ReadSlice('\n')
	switch {
	case err == io.EOF && len(line) == 0:
		return nil, io.EOF
	case err == nil, err == io.EOF:
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, fmt.Errorf("%s:%d: line longer than %d bytes: not a code-set text file", lr.path, lr.n+1, lr.r.Size())
	default:
		return nil, fmt.Errorf("%s:%d: %w", lr.path, lr.n+1, err)
	}
	lr.n++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

// errorf formats an error about the line last returned.
func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", lr.path, lr.n, fmt.Sprintf(format, args...))
}

// entryChunks collects entries in fixed-size chunks: growing one slice of ~100,000 entries
// by appending copied each entry many times and made most of the work of an import.
type entryChunks struct {
	full [][]Entry
	cur  []Entry
	n    int
}

const entryChunk = 4096

func (c *entryChunks) add(e Entry) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]Entry, 0, entryChunk)
	}
	c.cur = append(c.cur, e)
	c.n++
}

// all returns the entries in one slice of exactly their number.
func (c *entryChunks) all() []Entry {
	out := make([]Entry, 0, c.n)
	for _, ch := range c.full {
		out = append(out, ch...)
	}
	return append(out, c.cur...)
}

// buildSet makes the set of an import. lines holds the line (or row) of each entry so that a
// code listed twice can be reported where it is.
func buildSet(path string, sys System, source string, entries []Entry, lines []int32) (*Set, error) {
	codes := make([]string, len(entries))
	for i := range entries {
		codes[i] = entries[i].Code
	}
	s, err := NewSet(sys, source, entries)
	if err == nil {
		return s, nil
	}
	first := make(map[string]int32, len(codes))
	for i, c := range codes {
		if at, dup := first[c]; dup {
			return nil, fmt.Errorf("%s:%d: %s %s is listed twice (first at line %d)", path, lines[i], sys.Name(), Display(sys, c), at)
		}
		first[c] = lines[i]
	}
	return nil, fmt.Errorf("%s: %w", path, err)
}
