package server

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"chartcode/exercises"
	"chartcode/server/store"
)

// Bulk import and export of content: Markdown files (loose or in a zip, folders allowed) and
// multiple-choice questions in CSV (docs/content-format.md, "Importing questions from CSV").
// A batch is checked as a whole against the library and saved in one transaction: any problem
// and nothing is imported.

// importLimit bounds an import upload (the request); maxImportFiles the files in it.
const (
	importLimit    = 16 << 20
	maxImportFiles = 2000
)

// importProblem is a problem of an import batch: the file (and zip member) and line.
type importProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (p importProblem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message) }

// importFile is one Markdown file of a batch, with where it came from for messages.
type importFile struct {
	name string // as messages name it: "upload.zip/cases/a.md", "questions.csv:12"
	data []byte
	// csvLine is the CSV line the file was made from (0 for Markdown): problems found in the
	// generated Markdown are reported at that line.
	csvLine int
	csvFile string
}

// readUpload turns the uploaded files into Markdown files, reporting what cannot be read.
func readUpload(files []*multipart.FileHeader) ([]importFile, []importProblem) {
	var out []importFile
	var problems []importProblem
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			problems = append(problems, importProblem{fh.Filename, 0, "cannot read the upload: " + err.Error()})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, importLimit+1))
		f.Close()
		if err != nil {
			problems = append(problems, importProblem{fh.Filename, 0, "cannot read the upload: " + err.Error()})
			continue
		}
		fs, ps := readImport(path.Base(fh.Filename), data)
		out, problems = append(out, fs...), append(problems, ps...)
	}
	if len(out) > maxImportFiles {
		problems = append(problems, importProblem{"", 0, fmt.Sprintf("%d files in one import: at most %d", len(out), maxImportFiles)})
	}
	return out, problems
}

// readImport reads one uploaded file by its extension: .md, .zip or .csv.
func readImport(name string, data []byte) ([]importFile, []importProblem) {
	switch strings.ToLower(path.Ext(name)) {
	case ".md":
		return []importFile{{name: name, data: data}}, nil
	case ".csv":
		return csvQuestions(name, data)
	case ".zip":
		return readZip(name, data)
	}
	return nil, []importProblem{{name, 0, "not a Markdown (.md), zip or CSV file"}}
}

func readZip(name string, data []byte) ([]importFile, []importProblem) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, []importProblem{{name, 0, "not a readable zip file: " + err.Error()}}
	}
	var out []importFile
	var problems []importProblem
	var total uint64
	for _, zf := range zr.File {
		member := name + "/" + zf.Name
		if zf.FileInfo().IsDir() || strings.HasPrefix(path.Base(zf.Name), ".") || strings.Contains(zf.Name, "__MACOSX") {
			continue
		}
		if !strings.EqualFold(path.Ext(zf.Name), ".md") || strings.EqualFold(path.Base(zf.Name), "README.md") {
			problems = append(problems, importProblem{member, 0, "only Markdown (.md) files can be imported from a zip"})
			continue
		}
		total += zf.UncompressedSize64
		if total > 4*importLimit { // a zip bomb, or simply too much
			return nil, []importProblem{{name, 0, fmt.Sprintf("the zip holds more than %d MiB of Markdown", 4*importLimit>>20)}}
		}
		rc, err := zf.Open()
		if err != nil {
			problems = append(problems, importProblem{member, 0, "cannot read: " + err.Error()})
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, importLimit+1))
		rc.Close()
		if err != nil {
			problems = append(problems, importProblem{member, 0, "cannot read: " + err.Error()})
			continue
		}
		out = append(out, importFile{name: member, data: b})
	}
	if len(out) == 0 && len(problems) == 0 {
		problems = append(problems, importProblem{name, 0, "the zip holds no Markdown files"})
	}
	return out, problems
}

// csvColumns are the columns of a question CSV, in any order; the first row names them.
var csvColumns = []string{"id", "type", "title", "credentials", "section", "setting", "difficulty", "question",
	"a", "b", "c", "d", "e", "f", "answer", "rationale", "references", "tags"}

var csvRequired = []string{"id", "title", "credentials", "section", "setting", "difficulty", "question", "a", "b", "answer", "rationale", "references"}

// csvQuestions turns a CSV of multiple-choice questions into Markdown files, one per row.
func csvQuestions(name string, data []byte) ([]importFile, []importProblem) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, []importProblem{{name, 1, "cannot read the header row: " + err.Error()}}
	}
	col := map[string]int{}
	var problems []importProblem
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(csvColumns, h) {
			problems = append(problems, importProblem{name, 1, fmt.Sprintf("unknown column %q (the columns are: %s)", h, strings.Join(csvColumns, ", "))})
			continue
		}
		col[h] = i
	}
	for _, c := range csvRequired {
		if _, ok := col[c]; !ok {
			problems = append(problems, importProblem{name, 1, "missing column " + c})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var out []importFile
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			problems = append(problems, importProblem{name, line, "not valid CSV: " + err.Error()})
			break
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		md, err := questionMarkdown(get)
		if err != nil {
			problems = append(problems, importProblem{name, line, err.Error()})
			continue
		}
		out = append(out, importFile{name: fmt.Sprintf("%s:%d", name, line), data: md, csvLine: line, csvFile: name})
	}
	if len(out) == 0 && len(problems) == 0 {
		problems = append(problems, importProblem{name, 2, "no questions below the header"})
	}
	return out, problems
}

// questionFront is the front matter of a question made from a CSV row, in the field order of
// the library's files.
type questionFront struct {
	ID          string            `yaml:"id"`
	Type        string            `yaml:"type"`
	Title       string            `yaml:"title"`
	Credentials []string          `yaml:"credentials,flow"`
	Section     string            `yaml:"section"`
	Setting     string            `yaml:"setting"`
	Difficulty  string            `yaml:"difficulty"`
	References  []string          `yaml:"references"`
	Tags        []string          `yaml:"tags,omitempty,flow"`
	Choices     map[string]string `yaml:"choices"`
	Answer      any               `yaml:"answer"`
}

func splitCell(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == '\n' })
}

// splitLetters splits a cell of short values (credentials, answer letters) at ; , | or spaces.
func splitLetters(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '|' })
}

func questionMarkdown(get func(string) string) ([]byte, error) {
	q := questionFront{ID: get("id"), Type: strings.ToLower(get("type")), Title: get("title"), Section: get("section"),
		Setting: get("setting"), Difficulty: get("difficulty"), Choices: map[string]string{}}
	if q.Type == "" {
		q.Type = "choice"
	}
	q.Credentials = splitLetters(get("credentials"))
	for _, r := range splitCell(get("references")) {
		q.References = append(q.References, strings.TrimSpace(r))
	}
	for _, t := range splitCell(get("tags")) {
		q.Tags = append(q.Tags, strings.TrimSpace(t))
	}
	for _, l := range []string{"a", "b", "c", "d", "e", "f"} {
		if v := get(l); v != "" {
			q.Choices[strings.ToUpper(l)] = v
		}
	}
	letters := splitLetters(strings.ToUpper(get("answer")))
	switch {
	case len(letters) == 1 && q.Type == "choice":
		q.Answer = letters[0]
	default:
		q.Answer = letters
	}
	front, err := yaml.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("cannot write the question: %v", err)
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	b.Write(front)
	b.WriteString("---\n\n")
	b.WriteString(get("question"))
	b.WriteString("\n\n## Rationale\n\n")
	b.WriteString(get("rationale"))
	b.WriteString("\n")
	return b.Bytes(), nil
}

// checkBatch checks a batch of files as part of the library: with the other published authored
// items, every file gets the checks of `chartcode lint`; ids may not repeat in the batch nor
// take a built-in item's. It returns the drafts to save, or the problems.
func (s *Server) checkBatch(files []importFile) ([]store.Draft, []importProblem, error) {
	authored, err := s.db.AuthoredItems()
	if err != nil {
		return nil, nil, err
	}
	live := store.LiveMarkdown(authored)
	var sources []exercises.Source
	byName := map[string]importFile{}
	for _, f := range files {
		sources = append(sources, exercises.Source{Name: "import:" + f.name, Data: f.data})
		byName["import:"+f.name] = f
	}
	var problems []importProblem
	// Each file alone first, to learn its id; then the batch as part of the library.
	ids := map[string]string{}
	var drafts []store.Draft
	for _, src := range sources {
		d, _ := exercises.Check(src, s.book, nil, "")
		meta := draftMeta(d, string(src.Data))
		f := byName[src.Name]
		if meta.ID == "" {
			continue // the library check below reports why
		}
		if first, dup := ids[meta.ID]; dup {
			problems = append(problems, importProblem{f.name, 1, fmt.Sprintf("id %q is also used by %s in this import", meta.ID, first)})
			continue
		}
		ids[meta.ID] = f.name
		if s.builtIn(meta.ID) {
			problems = append(problems, importProblem{f.name, 1, fmt.Sprintf("id %q belongs to the built-in library", meta.ID)})
		}
		delete(live, meta.ID) // the imported file replaces the published version
		drafts = append(drafts, meta)
	}
	for id, v := range live {
		sources = append(sources, exercises.Source{Name: authoredName(id), Data: []byte(v.Markdown)})
	}
	_, ps := exercises.LoadAll(s.content, sources, s.book)
	for _, p := range ps {
		f, ok := byName[p.File]
		switch {
		case !ok:
			continue // a problem of the library itself, not of this batch
		case f.csvLine > 0:
			problems = append(problems, importProblem{f.csvFile, f.csvLine, p.Msg})
		default:
			problems = append(problems, importProblem{f.name, p.Line, p.Msg})
		}
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	return drafts, nil, nil
}

// importBatch imports the uploaded files as drafts (published too when publish is set): all of
// them, or none with every problem listed.
func (s *Server) importBatch(u store.User, files []*multipart.FileHeader, publish bool) ([]string, []importProblem, error) {
	if s.content == nil {
		return nil, nil, errors.New("the library's files are not available to this server")
	}
	if len(files) == 0 {
		return nil, []importProblem{{"", 0, "choose the files to import"}}, nil
	}
	// Every problem is reported at once: those of files that cannot be read, and those of the
	// files that can.
	batch, problems := readUpload(files)
	drafts, more, err := s.checkBatch(batch)
	if err != nil {
		return nil, nil, err
	}
	if problems = append(problems, more...); len(problems) > 0 {
		return nil, problems, nil
	}
	if err := s.db.ImportDrafts(drafts, u.ID, s.now()); err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(drafts))
	for i, d := range drafts {
		ids[i] = d.ID
		if publish {
			if _, err := s.db.Publish(d.ID, u.ID, s.now()); err != nil {
				return nil, nil, err
			}
		}
	}
	if publish {
		if err := s.rebuildCatalog(); err != nil {
			return nil, nil, err
		}
	}
	slices.Sort(ids)
	return ids, nil, nil
}

// exportZip writes the items named (built-in or authored) as a zip of Markdown files: the
// library's own file for a built-in item; for an authored one its live version, or its draft
// when it was never published.
func (s *Server) exportZip(w io.Writer, ids []string) error {
	zw := zip.NewWriter(w)
	for _, id := range ids {
		var data []byte
		if a, err := s.db.Authored(id); err == nil {
			data = []byte(a.Current())
			if v, ok := a.Version(a.Live); ok {
				data = []byte(v.Markdown)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		} else if it, ok := s.lib().Item(id); ok && s.content != nil {
			if data, err = fs.ReadFile(s.content, it.File); err != nil {
				return fmt.Errorf("export %s: %w", id, err)
			}
		} else {
			return badRequest("id", "no item has the id %q", id)
		}
		f, err := zw.Create(exportName(id))
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

func (s *Server) exportItems(c *gin.Context) error {
	ids := c.QueryArray("id")
	if c.Query("all") == "authored" {
		list, err := s.db.AuthoredItems()
		if err != nil {
			return err
		}
		for _, a := range list {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return badRequest("id", "name the items to export (id=…, or all=authored)")
	}
	var buf bytes.Buffer // built first, so that an unknown id is a clean 400
	if err := s.exportZip(&buf, ids); err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="chartcode-items.zip"`)
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
	return nil
}
