package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/exams"
)

// examView is a sitting as GET /api/exams/:id shows it: public items and saved answers only.
type examView struct {
	ID               string       `json:"id"`
	Blueprint        string       `json:"blueprint"`
	Title            string       `json:"title"`
	Started          time.Time    `json:"started"`
	Deadline         time.Time    `json:"deadline"`
	Submitted        time.Time    `json:"submitted,omitzero"`
	SubmittedBy      string       `json:"submittedBy,omitempty"`
	RemainingSeconds int          `json:"remainingSeconds"`
	PassMark         float64      `json:"passMark"`
	Progress         examProgress `json:"progress"`
	Items            []examItem   `json:"items"`
}

// examProgress is the answered/flagged count of a sitting and its remaining time.
type examProgress struct {
	Answered         int `json:"answered"`
	Flagged          int `json:"flagged"`
	Total            int `json:"total"`
	RemainingSeconds int `json:"remainingSeconds"`
}

func (s *Server) progressOf(sess *exams.Session) examProgress {
	a, f, t := sess.Progress()
	return examProgress{Answered: a, Flagged: f, Total: t, RemainingSeconds: int(sess.Remaining(s.now()).Seconds())}
}

func (s *Server) examView(st *sitting) examView {
	sess := st.sess
	return examView{ID: st.rec.ID, Blueprint: sess.BlueprintID, Title: sess.Title, Started: sess.Started,
		Deadline: sess.Deadline, Submitted: sess.Submitted, SubmittedBy: sess.SubmittedBy,
		RemainingSeconds: int(sess.Remaining(s.now()).Seconds()), PassMark: sess.PassMark,
		Progress: s.progressOf(sess), Items: s.examItems(sess)}
}

// reportView is a graded sitting: the report with, per item, the key and the rationale.
type reportView struct {
	ID              string `json:"id"`
	Blueprint       string `json:"blueprint"`
	Title           string `json:"title"`
	TimeUsedSeconds int    `json:"timeUsedSeconds"`
	*exams.Report
	Items []reviewItem `json:"items"`
}

func (s *Server) reportView(st *sitting) (*reportView, error) {
	rep, err := st.report()
	if err != nil {
		return nil, err
	}
	return &reportView{ID: st.rec.ID, Blueprint: st.sess.BlueprintID, Title: st.sess.Title,
		TimeUsedSeconds: int(rep.TimeUsed.Seconds()), Report: rep, Items: s.review(rep)}, nil
}

func (s *Server) apiExams(c *gin.Context) error {
	u, _ := currentUser(c)
	rows, err := s.sittings(u)
	if err != nil {
		return err
	}
	type bp struct {
		ID          string   `json:"id"`
		Title       string   `json:"title"`
		Credentials []string `json:"credentials"`
		Items       int      `json:"items"`
		Minutes     int      `json:"minutes"`
		PassMark    float64  `json:"passMark"`
		Custom      bool     `json:"custom,omitempty"`
		By          string   `json:"createdBy,omitempty"`
	}
	rowsBP, err := s.blueprints(u)
	if err != nil {
		return err
	}
	bps := []bp{}
	for _, b := range rowsBP {
		bps = append(bps, bp{b.ID, b.Title, b.Credentials, b.Items, int(b.TimeLimit.Minutes()), b.PassMark, b.Custom, b.By})
	}
	c.JSON(http.StatusOK, gin.H{"blueprints": bps, "sittings": rows})
	return nil
}

func (s *Server) apiStartExam(c *gin.Context) error {
	u, _ := currentUser(c)
	var body struct {
		Blueprint string `json:"blueprint"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	st, resumed, err := s.startExam(u, body.Blueprint)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if resumed {
		status = http.StatusOK
	}
	c.JSON(status, s.examView(st))
	return nil
}

func (s *Server) apiExam(c *gin.Context) error {
	u, _ := currentUser(c)
	st, err := s.sitting(u, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.examView(st))
	return nil
}

func (s *Server) apiSaveItem(c *gin.Context) error {
	u, _ := currentUser(c)
	var ch itemChange
	if err := decodeJSON(c, &ch); err != nil {
		return err
	}
	st, err := s.saveItem(u, c.Param("id"), c.Param("item"), ch)
	if err != nil {
		return err
	}
	a := st.sess.Answers[c.Param("item")]
	c.JSON(http.StatusOK, gin.H{"item": c.Param("item"), "answered": a.Answered(), "flagged": a.Flagged,
		"saved": a.Saved, "progress": s.progressOf(st.sess)})
	return nil
}

func (s *Server) apiSubmitExam(c *gin.Context) error {
	u, _ := currentUser(c)
	st, err := s.submitExam(u, c.Param("id"))
	if err != nil {
		return err
	}
	v, err := s.reportView(st)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

func (s *Server) apiExamReport(c *gin.Context) error {
	u, _ := currentUser(c)
	st, err := s.sitting(u, c.Param("id"))
	if err != nil {
		return err
	}
	if st.sess.Submitted.IsZero() {
		return &httpError{Status: http.StatusConflict, Msg: "the exam is still running: the report comes once it is submitted"}
	}
	v, err := s.reportView(st)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}
