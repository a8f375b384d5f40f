package server

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/exams"
	"chartcode/server/store"
)

// blueprintRow is one exam a person may start.
type blueprintRow struct {
	ID, Title   string
	Credentials []string
	Items       int
	TimeLimit   time.Duration
	PassMark    float64
	Custom      bool   // made by a trainer or an administrator
	By          string // who made a custom exam
	CanDelete   bool   // the person looking may delete it
}

// sittingRow is one of a person's sittings in a list.
type sittingRow struct {
	ID          string    `json:"id"`
	BlueprintID string    `json:"blueprint"`
	Title       string    `json:"title"`
	Started     time.Time `json:"started"`
	Deadline    time.Time `json:"deadline"`
	Submitted   time.Time `json:"submitted,omitzero"`
	Status      string    `json:"status"` // running, submitted
	Score       float64   `json:"score,omitempty"`
	Passed      bool      `json:"passed,omitempty"`
	Answered    int       `json:"answered"`
	Total       int       `json:"total"`
}

// blueprints lists the catalog's exams, then the custom exams, newest first, as u sees them.
func (s *Server) blueprints(u store.User) ([]blueprintRow, error) {
	var out []blueprintRow
	for _, b := range s.lib().Exams() {
		out = append(out, blueprintRow{ID: b.ID, Title: b.Title, Credentials: b.Credentials, Items: b.Total(),
			TimeLimit: b.TimeLimit, PassMark: b.PassMark})
	}
	custom, err := s.customViews()
	if err != nil {
		return nil, err
	}
	for _, e := range custom {
		creds := e.Credentials
		if len(creds) == 0 {
			creds = []string{"all credentials"}
		}
		out = append(out, blueprintRow{ID: e.ID, Title: e.Title, Credentials: creds, Items: e.Total,
			TimeLimit: time.Duration(e.TimeLimitMinutes) * time.Minute, PassMark: e.PassMark, Custom: true, By: e.CreatedByName,
			CanDelete: u.Role == store.Admin || (u.Role == store.Trainer && e.CreatedBy == u.ID)})
	}
	return out, nil
}

// sittings lists u's sittings, newest first, submitting those whose time is up.
func (s *Server) sittings(u store.User) ([]sittingRow, error) {
	list, err := s.db.Exams(u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]sittingRow, 0, len(list))
	for _, r := range list {
		st, err := decodeSitting(r)
		if err != nil {
			return nil, err
		}
		if st.sess.Due(s.now()) {
			if st, err = s.sitting(u, r.ID); err != nil {
				return nil, err
			}
		}
		answered, _, total := st.sess.Progress()
		row := sittingRow{ID: r.ID, BlueprintID: r.BlueprintID, Title: st.sess.Title, Started: st.sess.Started,
			Deadline: st.sess.Deadline, Submitted: st.sess.Submitted, Status: "running", Answered: answered, Total: total}
		if !st.sess.Submitted.IsZero() {
			rep, err := st.report()
			if err != nil {
				return nil, err
			}
			row.Status, row.Score, row.Passed = "submitted", rep.Score, rep.Passed
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) examsPage(c *gin.Context) error {
	u, _ := currentUser(c)
	rows, err := s.sittings(u)
	if err != nil {
		return err
	}
	bps, err := s.blueprints(u)
	if err != nil {
		return err
	}
	s.render(c, "exams", page{Title: "Mock exams", Nav: "exams", Data: map[string]any{
		"Blueprints": bps, "Sittings": rows, "CanCreate": u.Role == store.Trainer || u.Role == store.Admin}})
	return nil
}

func (s *Server) startExamForm(c *gin.Context) error {
	u, _ := currentUser(c)
	st, _, err := s.startExam(u, c.PostForm("blueprint"))
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/exams/"+url.PathEscape(st.rec.ID))
	return nil
}

// runningSitting loads the signed-in person's sitting of the route; when it has been submitted
// it sends the browser to the report instead and returns nil.
func (s *Server) runningSitting(c *gin.Context) (*sitting, error) {
	u, _ := currentUser(c)
	st, err := s.sitting(u, c.Param("id"))
	if err != nil {
		return nil, err
	}
	if !st.sess.Submitted.IsZero() {
		c.Redirect(http.StatusSeeOther, "/exams/"+url.PathEscape(st.rec.ID)+"/report")
		return nil, nil
	}
	return st, nil
}

func (s *Server) examPage(c *gin.Context) error {
	st, err := s.runningSitting(c)
	if err != nil || st == nil {
		return err
	}
	answered, flagged, total := st.sess.Progress()
	s.render(c, "exam", page{Title: st.sess.Title, Nav: "exams", Data: map[string]any{
		"ID": st.rec.ID, "Session": st.sess, "Items": s.examItems(st.sess),
		"Remaining": int(st.sess.Remaining(s.now()).Seconds()), "RemainingText": clockText(st.sess.Remaining(s.now())),
		"Answered": answered, "Flagged": flagged, "Total": total,
	}})
	return nil
}

func (s *Server) examConfirmPage(c *gin.Context) error {
	st, err := s.runningSitting(c)
	if err != nil || st == nil {
		return err
	}
	var unanswered, flagged []examItem
	for _, e := range s.examItems(st.sess) {
		if !e.Answered {
			unanswered = append(unanswered, e)
		}
		if e.Answer.Flagged {
			flagged = append(flagged, e)
		}
	}
	answered, _, total := st.sess.Progress()
	s.render(c, "exam_confirm", page{Title: "Submit " + st.sess.Title, Nav: "exams", Data: map[string]any{
		"ID": st.rec.ID, "Session": st.sess, "Unanswered": unanswered, "Flagged": flagged,
		"Answered": answered, "Total": total, "RemainingText": clockText(st.sess.Remaining(s.now())),
	}})
	return nil
}

func (s *Server) submitExamForm(c *gin.Context) error {
	u, _ := currentUser(c)
	st, err := s.submitExam(u, c.Param("id"))
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/exams/"+url.PathEscape(st.rec.ID)+"/report")
	return nil
}

func (s *Server) examReportPage(c *gin.Context) error {
	u, _ := currentUser(c)
	st, err := s.sitting(u, c.Param("id"))
	if err != nil {
		return err
	}
	if st.sess.Submitted.IsZero() {
		c.Redirect(http.StatusSeeOther, "/exams/"+url.PathEscape(st.rec.ID))
		return nil
	}
	rep, err := st.report()
	if err != nil {
		return err
	}
	s.render(c, "exam_report", page{Title: "Report: " + st.sess.Title, Nav: "exams", Data: map[string]any{
		"ID": st.rec.ID, "Session": st.sess, "Report": rep, "Review": s.review(rep),
		"TimeUsed": clockText(rep.TimeUsed), "TimeLimit": clockText(st.sess.Deadline.Sub(st.sess.Started)),
		"ByClock": rep.SubmittedBy == exams.ByClock,
	}})
	return nil
}

// clockText writes a duration as H:MM:SS.
func clockText(d time.Duration) string {
	sec := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}
