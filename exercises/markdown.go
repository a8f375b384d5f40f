package exercises

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"go.abhg.dev/goldmark/frontmatter"
	"gopkg.in/yaml.v3"
)

// markdown is the one goldmark instance a catalog load uses: CommonMark with GitHub tables and
// strikethrough, YAML front matter, and goldmark's safe defaults (raw HTML is not rendered and
// links with dangerous schemes such as javascript: are dropped).
type markdown struct {
	md goldmark.Markdown
}

func newMarkdown() *markdown {
	return &markdown{md: goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough,
			&frontmatter.Extender{Formats: []frontmatter.Format{frontmatter.YAML}}),
	)}
}

// document is one parsed file.
type document struct {
	front        *yaml.Node // the front-matter mapping, nil when the file has none
	frontErr     error      // a YAML syntax error in the front matter
	body         template.HTML
	rationale    template.HTML
	hasRationale bool
}

// rationaleHeading is the level-2 heading that separates what is shown before and after an
// answer.
const rationaleHeading = "Rationale"

func (m *markdown) parse(src []byte) (*document, error) {
	ctx := parser.NewContext()
	root := m.md.Parser().Parse(text.NewReader(src), parser.WithContext(ctx))
	doc := &document{}
	if fm := frontmatter.Get(ctx); fm != nil {
		var n yaml.Node
		if err := fm.Decode(&n); err != nil {
			doc.frontErr = err
		} else if len(n.Content) == 1 {
			doc.front = n.Content[0]
		}
	}
	// Move everything after "## Rationale" into a document of its own.
	after := ast.NewDocument()
	var split ast.Node
	for c := root.FirstChild(); c != nil; c = c.NextSibling() {
		if h, ok := c.(*ast.Heading); ok && h.Level == 2 && strings.EqualFold(strings.TrimSpace(headingText(h, src)), rationaleHeading) {
			split = c
			break
		}
	}
	if split != nil {
		doc.hasRationale = true
		for c := split.NextSibling(); c != nil; {
			next := c.NextSibling()
			root.RemoveChild(root, c)
			after.AppendChild(after, c)
			c = next
		}
		root.RemoveChild(root, split)
	}
	var buf bytes.Buffer
	if err := m.md.Renderer().Render(&buf, src, root); err != nil {
		return nil, err
	}
	doc.body = template.HTML(buf.String())
	buf.Reset()
	if err := m.md.Renderer().Render(&buf, src, after); err != nil {
		return nil, err
	}
	doc.rationale = template.HTML(buf.String())
	return doc, nil
}

func headingText(h *ast.Heading, src []byte) string {
	var b strings.Builder
	lines := h.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}
