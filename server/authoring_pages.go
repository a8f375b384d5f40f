package server

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chartcode/exercises"
	"chartcode/server/store"
)

// The authoring pages and API. The editor works on Markdown; the page's script offers the
// front matter as form fields and asks the API for the preview and the lint messages as the
// trainer types.

type authoredRow struct {
	store.AuthoredItem
	Status  string // draft, published, published with changes, retired
	Author  string
	InUse   bool // in the catalog now
	Version int  // the live version
}

func authoredStatus(a store.AuthoredItem) string {
	switch {
	case a.Retired:
		return "retired"
	case a.Live > 0 && a.Draft != "":
		return "published, draft changes"
	case a.Live > 0:
		return "published"
	}
	return "draft"
}

type authoringView struct {
	Items []authoredRow
	Types []exercises.Type
	Flash string
}

func (s *Server) authoringPage(c *gin.Context) error {
	list, err := s.db.AuthoredItems()
	if err != nil {
		return err
	}
	v := authoringView{Types: []exercises.Type{exercises.Case, exercises.Choice, exercises.Multi, exercises.Quiz}, Flash: c.Query("msg")}
	names := map[string]string{}
	for _, a := range list {
		if _, ok := names[a.Author]; !ok {
			if u, err := s.db.User(a.Author); err == nil {
				names[a.Author] = displayName(u)
			}
		}
		v.Items = append(v.Items, authoredRow{AuthoredItem: a, Status: authoredStatus(a), Author: names[a.Author], InUse: a.Live > 0 && !a.Retired, Version: a.Live})
	}
	s.render(c, "authoring", page{Title: "Authoring", Nav: "authoring", Data: v})
	return nil
}

// editorView is the editor page: the Markdown, the item's state, and the first preview.
type editorView struct {
	Self     string // the id being edited; "" for a new item
	Markdown string
	Item     *authoredRow // nil for a new item
	Problems []problemJSON
	Preview  template.HTML
	Error    string
	Flash    string
	Sections []string
	Creds    []string
	Settings []string
}

func (s *Server) editorPage(c *gin.Context, v editorView) error {
	v.Sections, v.Creds, v.Settings = exercises.Sections, exercises.Credentials, exercises.Settings
	if v.Preview == "" {
		p, problems := s.preview(v.Markdown, v.Self)
		v.Preview = p
		if v.Problems == nil {
			v.Problems = problemsJSON(problems)
		}
	}
	if v.Error != "" {
		c.Status(http.StatusBadRequest)
	}
	title := "New item"
	if v.Self != "" {
		title = "Edit " + v.Self
	}
	s.render(c, "authoring_edit", page{Title: title, Nav: "authoring", Data: v})
	return nil
}

func (s *Server) newItemPage(c *gin.Context) error {
	t := exercises.Type(c.DefaultQuery("type", string(exercises.Case)))
	return s.editorPage(c, editorView{Markdown: newItemMarkdown(t, s.freeID(t))})
}

func (s *Server) editItemPage(c *gin.Context) error {
	a, err := s.db.Authored(c.Param("id"))
	if err != nil {
		return err
	}
	row := authoredRow{AuthoredItem: a, Status: authoredStatus(a), InUse: a.Live > 0 && !a.Retired, Version: a.Live}
	return s.editorPage(c, editorView{Self: a.ID, Markdown: a.Current(), Item: &row, Flash: c.Query("msg")})
}

// preview renders Markdown as students will see it, with its lint messages.
func (s *Server) preview(markdown, self string) (template.HTML, exercises.Problems) {
	d, problems := s.draftFrom(markdown, self)
	var buf bytes.Buffer
	s.views.mu.Lock()
	t := s.views.pages["authoring_edit"]
	s.views.mu.Unlock()
	if t == nil {
		return "", problems
	}
	if err := t.ExecuteTemplate(&buf, "preview", d); err != nil {
		s.log.Error("render preview", "err", err)
		return "", problems
	}
	return template.HTML(buf.String()), problems
}

// saveForm handles the editor's form: save, publish, retire or delete.
func (s *Server) saveForm(c *gin.Context) error {
	u, _ := currentUser(c)
	self := c.Param("id") // "" on /authoring/new
	md := strings.ReplaceAll(c.PostForm("markdown"), "\r\n", "\n")
	action := c.DefaultPostForm("action", "save")
	var msg string
	switch action {
	case "save", "publish":
		a, _, err := s.saveDraft(u, md, self)
		if he := (*httpError)(nil); errors.As(err, &he) && he.Status < 500 {
			return s.editorPage(c, editorView{Self: self, Markdown: md, Error: he.Msg})
		}
		if err != nil {
			return err
		}
		self, msg = a.ID, "Draft saved."
		if action == "publish" {
			a, err = s.publish(u, a.ID)
			if he := (*httpError)(nil); errors.As(err, &he) && he.Status < 500 {
				return s.editorPage(c, editorView{Self: self, Markdown: md, Error: "Saved as a draft, not published: " + he.Msg})
			}
			if err != nil {
				return err
			}
			msg = "Published as version " + strconv.Itoa(a.Live) + ": students see it in the catalog."
		}
	case "retire":
		if _, err := s.retire(self); err != nil {
			return err
		}
		msg = "Retired: students no longer see it; past answers keep it."
	case "delete":
		if err := s.db.DeleteDraft(self); err != nil {
			if errors.Is(err, store.ErrInvalid) {
				return badRequest("", "%s", storeMsg(err))
			}
			return err
		}
		c.Redirect(http.StatusSeeOther, "/authoring?msg="+url.QueryEscape("Draft "+self+" deleted."))
		return nil
	default:
		return badRequest("action", "unknown action %q", action)
	}
	c.Redirect(http.StatusSeeOther, "/authoring/items/"+self+"?msg="+url.QueryEscape(msg))
	return nil
}

type importView struct {
	Imported []string
	Problems []importProblem
	Publish  bool
}

func (s *Server) importPage(c *gin.Context) error {
	s.render(c, "authoring_import", page{Title: "Import items", Nav: "authoring", Data: importView{}})
	return nil
}

func (s *Server) importForm(c *gin.Context) error {
	u, _ := currentUser(c)
	form, err := c.MultipartForm()
	if err != nil {
		return badRequest("files", "choose the files to import")
	}
	publish := c.PostForm("publish") != ""
	ids, problems, err := s.importBatch(u, form.File["files"], publish)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		c.Status(http.StatusUnprocessableEntity)
	}
	s.render(c, "authoring_import", page{Title: "Import items", Nav: "authoring", Data: importView{Imported: ids, Problems: problems, Publish: publish}})
	return nil
}

// --- API -----------------------------------------------------------------------------------

type authoredJSON struct {
	store.AuthoredItem
	Status string `json:"status"`
}

func (s *Server) apiAuthoredItems(c *gin.Context) error {
	list, err := s.db.AuthoredItems()
	if err != nil {
		return err
	}
	out := make([]authoredJSON, len(list))
	for i, a := range list {
		a.Versions = nil // the list is a summary; GET one item for its versions
		out[i] = authoredJSON{AuthoredItem: a, Status: authoredStatus(a)}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *Server) apiAuthoredItem(c *gin.Context) error {
	a, err := s.db.Authored(c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, authoredJSON{AuthoredItem: a, Status: authoredStatus(a)})
	return nil
}

type markdownRequest struct {
	Markdown string `json:"markdown"`
	Self     string `json:"self"` // preview: the id being edited
}

func (s *Server) apiPreview(c *gin.Context) error {
	var req markdownRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	html, problems := s.preview(req.Markdown, req.Self)
	d, _ := s.draftFrom(req.Markdown, req.Self)
	c.JSON(http.StatusOK, gin.H{"id": d.ID(), "problems": problemsJSON(problems), "html": html})
	return nil
}

// apiSaveDraft saves a draft: POST creates an item, PUT replaces the draft of :id.
func (s *Server) apiSaveDraft(c *gin.Context) error {
	u, _ := currentUser(c)
	var req markdownRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, problems, err := s.saveDraft(u, req.Markdown, c.Param("id"))
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && he.Status < 500 {
			c.JSON(he.Status, gin.H{"error": he.Msg, "field": he.Field, "problems": problemsJSON(problems)})
			return nil
		}
		return err
	}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{"item": authoredJSON{AuthoredItem: a, Status: authoredStatus(a)}, "problems": problemsJSON(problems)})
	return nil
}

func (s *Server) apiPublish(c *gin.Context) error {
	u, _ := currentUser(c)
	a, err := s.publish(u, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, authoredJSON{AuthoredItem: a, Status: authoredStatus(a)})
	return nil
}

func (s *Server) apiRetire(c *gin.Context) error {
	a, err := s.retire(c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, authoredJSON{AuthoredItem: a, Status: authoredStatus(a)})
	return nil
}

func (s *Server) apiDeleteDraft(c *gin.Context) error {
	if err := s.db.DeleteDraft(c.Param("id")); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return &httpError{Status: http.StatusConflict, Msg: storeMsg(err)}
		}
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) apiImport(c *gin.Context) error {
	u, _ := currentUser(c)
	form, err := c.MultipartForm()
	if err != nil {
		return badRequest("files", "send the files as multipart/form-data in the field files")
	}
	ids, problems, err := s.importBatch(u, form.File["files"], c.PostForm("publish") != "")
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "nothing was imported: fix every problem and import again", "problems": problems})
		return nil
	}
	c.JSON(http.StatusCreated, gin.H{"imported": ids})
	return nil
}
