package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/server/store"
	"chartcode/server/templates"
	"chartcode/static"
)

// views renders pages from html/template files and serves static files under content-hashed
// URLs. Both are embedded and parsed once; in dev mode they are read from disk on every
// request so that edits show on reload.
type views struct {
	dev      bool
	tmplFS   fs.FS
	staticFS fs.FS
	mu       sync.Mutex
	pages    map[string]*template.Template
	hashes   map[string]string // static file → short content hash
	assets   assetURLs
	// fragments holds parts of pages that are the same for everyone, rendered once:
	// cache key → template.HTML (not used in dev mode).
	fragments sync.Map
}

func newViews(dev bool, root string) (*views, error) {
	v := &views{dev: dev, tmplFS: templates.FS(), staticFS: static.FS()}
	if dev {
		v.tmplFS = os.DirFS(filepath.Join(root, "server", "templates"))
		v.staticFS = os.DirFS(filepath.Join(root, "static"))
	}
	if err := v.load(); err != nil {
		return nil, err
	}
	return v, nil
}

// load parses every page with the layout and hashes the static files.
func (v *views) load() error {
	hashes := map[string]string{}
	err := fs.WalkDir(v.staticFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(v.staticFS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return fmt.Errorf("static files: %w", err)
	}
	names, err := fs.Glob(v.tmplFS, "*.html")
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	asset := func(name string) string { return "/static/" + name + "?v=" + hashes[name] }
	funcs := template.FuncMap{
		"asset":   asset,
		"pct":     func(f float64) string { return fmt.Sprintf("%.0f %%", f) },
		"pct1":    func(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) },
		"hundred": func(f float64) string { return fmt.Sprintf("%.1f", 100*f) },
		"score":   func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"credit":  func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"date":    func(t time.Time) string { return t.Local().Format("Jan 2, 2006 15:04") },
		"lower":   strings.ToLower,
		"join":    strings.Join,
		"add":     func(a, b int) int { return a + b },
		"minutes": func(d time.Duration) string { return fmt.Sprintf("%.0f min", d.Minutes()) },
		"safeURL": func(s string) template.URL { return template.URL(s) },
		// svg marks SVG the server drew itself (every text in it escaped) as safe to embed.
		"svg": func(s string) template.HTML { return template.HTML(s) },
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == "layout.html" {
			continue
		}
		t, err := template.New(n).Funcs(funcs).ParseFS(v.tmplFS, "layout.html", n)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		pages[strings.TrimSuffix(n, ".html")] = t
	}
	v.mu.Lock()
	v.pages, v.hashes = pages, hashes
	v.assets = assetURLs{CSS: asset("app.css"), JS: asset("app.js"), Logo: asset("logo.svg")}
	v.mu.Unlock()
	return nil
}

// assetURLs are the content-hashed URLs every page links to, computed once.
type assetURLs struct{ CSS, JS, Logo string }

// menuItem is one entry of the main menu.
type menuItem struct {
	Href, Label string
	Current     bool
}

// menu returns the main menu for a user, with the active entry marked.
func menu(u *store.User, active string) []menuItem {
	items := []menuItem{{"/practice", "Practice", false}, {"/exams", "Mock exams", false}, {"/progress", "Progress", false}, {"/codes", "Code lookup", false}}
	if u.Role == store.Trainer || u.Role == store.Admin {
		items = append(items, menuItem{"/live", "Live quizzes", false})
	} else {
		items = append(items, menuItem{"/join", "Join live", false})
	}
	if u.Role == store.Supervisor || u.Role == store.Admin {
		items = append(items, menuItem{"/teams", "Teams", false})
	}
	if u.Role != store.Student {
		items = append(items, menuItem{"/assignments", "Assignments", false})
	}
	if u.Role == store.Trainer || u.Role == store.Admin {
		items = append(items, menuItem{"/authoring", "Authoring", false})
	}
	if u.Role == store.Admin {
		items = append(items, menuItem{"/admin/users", "Users", false})
	}
	for i := range items {
		items[i].Current = strings.TrimPrefix(items[i].Href, "/") == active || items[i].Href == "/admin/users" && active == "admin"
	}
	return items
}

// page is what every template receives.
type page struct {
	Title  string
	Nav    string // the active menu entry
	User   *store.User
	Flash  string
	Data   any
	Assets assetURLs  // set by render
	Menu   []menuItem // set by render
}

// render writes a full page. A template error after the first byte cannot change the status;
// rendering into a buffer first keeps error pages clean.
func (s *Server) render(c *gin.Context, name string, p page) {
	if s.views.dev {
		if err := s.views.load(); err != nil {
			s.log.Error("reload templates", "err", err)
		}
	}
	if u, ok := currentUser(c); ok {
		p.User = &u
		p.Menu = menu(&u, p.Nav)
	}
	s.views.mu.Lock()
	t := s.views.pages[name]
	p.Assets = s.views.assets
	s.views.mu.Unlock()
	var buf bytes.Buffer
	if t == nil {
		s.log.Error("render: no such page", "page", name)
		c.String(http.StatusInternalServerError, "page %s is missing", name)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "could not render the page")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(c.Writer.Status(), "text/html; charset=utf-8", buf.Bytes())
}

// fragment renders the template block name of page with data once and keeps the result under
// key; later calls return the kept HTML. Only parts that are the same for every person may be
// cached this way.
func (s *Server) fragment(pageName, block, key string, data any) (template.HTML, error) {
	if !s.views.dev {
		if v, ok := s.views.fragments.Load(key); ok {
			return v.(template.HTML), nil
		}
	}
	s.views.mu.Lock()
	t := s.views.pages[pageName]
	s.views.mu.Unlock()
	if t == nil {
		return "", fmt.Errorf("render: no page %s", pageName)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return "", fmt.Errorf("render %s/%s: %w", pageName, block, err)
	}
	h := template.HTML(buf.String())
	if !s.views.dev {
		s.views.fragments.Store(key, h)
	}
	return h, nil
}

// static serves /static/NAME; with the right ?v= content hash it may be cached for a year.
func (s *Server) static(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	b, err := fs.ReadFile(s.views.staticFS, name)
	if err != nil || name == "" || strings.HasPrefix(name, ".") {
		writeJSONError(c.Writer, http.StatusNotFound, "not found", "")
		return
	}
	s.views.mu.Lock()
	h := s.views.hashes[name]
	s.views.mu.Unlock()
	if v := c.Query("v"); v != "" && v == h && !s.views.dev {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("ETag", `"`+h+`"`)
	if c.GetHeader("If-None-Match") == `"`+h+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Data(http.StatusOK, ct, b)
}
