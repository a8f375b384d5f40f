package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"chartcode/exams"
	"chartcode/exercises"
	"chartcode/server/store"
)

// Timed mock exams: the shared part of the pages (exam_pages.go) and the API (exam_api.go).
// The clock is the server's: every request that touches a sitting first submits it when its
// time is up, and the sweeper does the same for sittings nobody looks at.

// sitting is a stored exam with its decoded session.
type sitting struct {
	rec  store.ExamRecord
	sess *exams.Session
}

func decodeSitting(r store.ExamRecord) (*sitting, error) {
	var sess exams.Session
	if err := json.Unmarshal(r.Data, &sess); err != nil {
		return nil, fmt.Errorf("exam %s: %w", r.ID, err)
	}
	sess.ID = r.ID // the store assigns the ID after the session was encoded
	return &sitting{rec: r, sess: &sess}, nil
}

// report decodes the stored report of a submitted sitting.
func (st *sitting) report() (*exams.Report, error) {
	if len(st.rec.Report) == 0 {
		return nil, fmt.Errorf("exam %s: submitted without a report", st.rec.ID)
	}
	var rep exams.Report
	if err := json.Unmarshal(st.rec.Report, &rep); err != nil {
		return nil, fmt.Errorf("exam %s report: %w", st.rec.ID, err)
	}
	return &rep, nil
}

// sitting loads u's sitting id, first submitting it by the clock when its time is up. Another
// person's sitting is not found.
func (s *Server) sitting(u store.User, id string) (*sitting, error) {
	r, err := s.db.Exam(u.ID, id)
	if err != nil {
		return nil, err
	}
	st, err := decodeSitting(r)
	if err != nil {
		return nil, err
	}
	if !st.sess.Due(s.now()) {
		return st, nil
	}
	if err := s.finishExam(u.ID, id, exams.ByClock); err != nil && !errors.Is(err, store.ErrExists) {
		return nil, err
	}
	if r, err = s.db.Exam(u.ID, id); err != nil {
		return nil, err
	}
	return decodeSitting(r)
}

// finishExam submits a sitting, grades it and records one attempt per item, all in one
// transaction. store.ErrExists means it was already submitted (by the person or the sweeper).
func (s *Server) finishExam(userID, id, by string) error {
	return s.db.FinishExam(userID, id, func(r *store.ExamRecord) ([]store.Attempt, error) {
		st, err := decodeSitting(*r)
		if err != nil {
			return nil, err
		}
		sess := st.sess
		if err := sess.Submit(by, s.now()); err != nil {
			return nil, err
		}
		rep, err := exams.Grade(sess, s.lib(), s.book)
		if err != nil {
			return nil, err
		}
		if r.Data, err = json.Marshal(sess); err != nil {
			return nil, fmt.Errorf("encode exam: %w", err)
		}
		if r.Report, err = json.Marshal(rep); err != nil {
			return nil, fmt.Errorf("encode report: %w", err)
		}
		r.Submitted = sess.Submitted
		return s.examAttempts(sess, rep)
	})
}

// examAttempts turns a graded exam into one attempt per item, as grade.go builds them for
// practice, so that exams feed history and progress. Retired items have nothing to record.
func (s *Server) examAttempts(sess *exams.Session, rep *exams.Report) ([]store.Attempt, error) {
	out := make([]store.Attempt, 0, len(rep.Items))
	for _, ir := range rep.Items {
		it, ok := s.lib().Item(ir.ItemID)
		if ir.Retired || !ok {
			continue
		}
		a := store.Attempt{UserID: sess.UserID, ItemID: it.ID, ItemType: string(it.Type), Section: ir.Section,
			Credentials: it.Credentials, Source: "exam", At: sess.Submitted, Score: ir.Score}
		o := outcome{ItemID: it.ID, Type: it.Type, Score: ir.Score, Mode: sess.Mode}
		if ir.Result != nil {
			r := ir.Result
			o.Accuracy, o.Mode, o.Lines, o.Key = r.Accuracy, r.Mode, r.Lines, it.Key.String()
			a.Answer, a.Correct, a.KeyCodes, a.Extra = ir.Answer.Text, r.Correct, r.KeyCodes, r.Extra
			a.Findings = findingsOf(r.Lines)
		} else {
			o.Accuracy = math.Round(10*ir.Score) / 1000
			o.Picked, o.Correct, o.Choices = ir.Picked, ir.Correct, it.Choices
			a.Answer = strings.Join(ir.Picked, ",")
		}
		body, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("encode result: %w", err)
		}
		a.Result = body
		out = append(out, a)
	}
	return out, nil
}

// startExam draws and stores a new sitting of blueprint id for u, avoiding the items of their
// last sitting of it. When that last sitting is still open it is returned instead (resumed
// is true), so that a double click or a second device does not start a second exam.
func (s *Server) startExam(u store.User, blueprintID string) (st *sitting, resumed bool, err error) {
	b, custom, err := s.blueprint(blueprintID)
	if err != nil {
		return nil, false, err
	}
	if custom != nil && len(custom.Items) > 0 {
		if missing := s.missingItems(custom.Items); len(missing) > 0 {
			return nil, false, &httpError{Status: http.StatusConflict,
				Msg: "this exam names items no longer in the catalog: " + strings.Join(missing, ", ")}
		}
		s.itemLines(b, custom.Items)
	}
	var avoid map[string]bool
	switch last, err := s.db.LastExam(u.ID, b.ID); {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, false, err
	default:
		prev, err := s.sitting(u, last.ID)
		if err != nil {
			return nil, false, err
		}
		if prev.sess.Open(s.now()) {
			return prev, true, nil
		}
		avoid = make(map[string]bool, len(prev.sess.Items))
		for _, id := range prev.sess.Items {
			avoid[id] = true
		}
	}
	var items []string
	if custom != nil && len(custom.Items) > 0 {
		items = custom.Items // exactly the picked items, in their order
	} else if items, err = exams.Draw(b, s.lib(), avoid, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))); err != nil {
		if custom != nil && errors.Is(err, exams.ErrPoolTooSmall) {
			return nil, false, &httpError{Status: http.StatusConflict, Msg: "the catalog no longer has enough items for this exam", Err: err}
		}
		return nil, false, fmt.Errorf("draw %s: %w", b.ID, err)
	}
	sess := exams.Start("", u.ID, b, items, s.now())
	data, err := json.Marshal(sess)
	if err != nil {
		return nil, false, fmt.Errorf("encode exam: %w", err)
	}
	r := store.ExamRecord{UserID: u.ID, BlueprintID: b.ID, Started: sess.Started, Deadline: sess.Deadline, Data: data}
	if err := s.db.CreateExam(&r); err != nil {
		return nil, false, err
	}
	st, err = decodeSitting(r)
	return st, false, err
}

// errTimeUp is returned from inside an UpdateExam transaction when the sitting is due.
var errTimeUp = errors.New("the exam's time is up")

// itemChange is the body of PUT /api/exams/:id/items/:item: an answer, a flag, or both.
type itemChange struct {
	Answer  *string  `json:"answer"`
	Choices []string `json:"choices"`
	Flagged *bool    `json:"flagged"`
}

// saveItem applies a change to one item of u's sitting id, in one write transaction against
// the latest stored copy, so that two tabs saving different items both keep their answers.
func (s *Server) saveItem(u store.User, id, itemID string, ch itemChange) (*sitting, error) {
	if ch.Answer == nil && ch.Choices == nil && ch.Flagged == nil {
		return nil, badRequest("", "send an answer, choices or flagged")
	}
	var st *sitting
	err := s.db.UpdateExam(u.ID, id, func(r *store.ExamRecord) error {
		var err error
		if st, err = decodeSitting(*r); err != nil {
			return err
		}
		now := s.now()
		if st.sess.Due(now) {
			return errTimeUp
		}
		if ch.Answer != nil || ch.Choices != nil {
			a := exams.Answer{Choices: ch.Choices}
			if ch.Answer != nil {
				a.Text = *ch.Answer
			}
			if err := st.sess.Save(itemID, a, now); err != nil {
				return err
			}
		}
		if ch.Flagged != nil {
			if err := st.sess.SetFlag(itemID, *ch.Flagged, now); err != nil {
				return err
			}
		}
		if r.Data, err = json.Marshal(st.sess); err != nil {
			return fmt.Errorf("encode exam: %w", err)
		}
		st.rec = *r
		return nil
	})
	switch {
	case err == nil:
		return st, nil
	case errors.Is(err, errTimeUp), errors.Is(err, exams.ErrClosed):
		// Submit it now by the clock if nobody has, and say when it ended.
		closed, lerr := s.sitting(u, id)
		if lerr != nil {
			return nil, lerr
		}
		return nil, closedError(closed.sess)
	case errors.Is(err, exams.ErrNotInExam):
		return nil, &httpError{Status: http.StatusNotFound, Msg: "item " + itemID + " is not part of this exam"}
	case errors.Is(err, exams.ErrInvalidAnswer):
		field := "answer"
		if ch.Choices != nil {
			field = "choices"
		}
		return nil, &httpError{Status: http.StatusBadRequest, Msg: strings.TrimPrefix(err.Error(), exams.ErrInvalidAnswer.Error()+": "), Field: field}
	}
	return nil, err
}

// closedError is the 409 for a change to a submitted sitting.
func closedError(sess *exams.Session) error {
	at := sess.Submitted.UTC().Format("2006-01-02 15:04:05 UTC")
	if sess.SubmittedBy == exams.ByClock {
		return &httpError{Status: http.StatusConflict, Msg: "time is up: the exam was submitted at " + at}
	}
	return &httpError{Status: http.StatusConflict, Msg: "the exam was submitted at " + at + ": answers can no longer change"}
}

// submitExam submits u's sitting id by the person (by the clock when the time is up); a
// sitting already submitted is left as it was.
func (s *Server) submitExam(u store.User, id string) (*sitting, error) {
	if _, err := s.sitting(u, id); err != nil { // 404 for another person's sitting
		return nil, err
	}
	if err := s.finishExam(u.ID, id, exams.ByPerson); err != nil && !errors.Is(err, store.ErrExists) {
		return nil, err
	}
	return s.sitting(u, id)
}

// sweepExams submits every sitting whose time is up; it returns how many it submitted.
func (s *Server) sweepExams() (int, error) {
	due, err := s.db.DueExams(s.now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		switch err := s.finishExam(r.UserID, r.ID, exams.ByClock); {
		case err == nil:
			n++
		case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrNotFound):
			// submitted by its person meanwhile, or the account was deleted
		default:
			s.log.Error("submit due exam", "exam", r.ID, "user", r.UserID, "err", err)
		}
	}
	return n, nil
}

// sweepExamsEvery runs sweepExams on a ticker until done is closed.
func (s *Server) sweepExamsEvery(every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.sweepExams(); err != nil {
			s.log.Error("exam sweep", "err", err)
		} else if n > 0 {
			s.log.Info("exams submitted by the clock", "count", n)
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// examItem is one item of a running exam as the page and the API show it: the public view
// (never the key) and the person's saved answer.
type examItem struct {
	N        int              `json:"n"` // 1-based position
	Section  string           `json:"section"`
	Item     exercises.Public `json:"item"`
	Answer   exams.Answer     `json:"answer"`
	Answered bool             `json:"answered"`
	Retired  bool             `json:"retired,omitempty"`
	picked   map[string]bool
}

// Picked reports whether letter is among the saved choices (for the template).
func (e examItem) Picked(letter string) bool { return e.picked[letter] }

func (s *Server) examItems(sess *exams.Session) []examItem {
	out := make([]examItem, len(sess.Items))
	for i, id := range sess.Items {
		a := sess.Answers[id]
		e := examItem{N: i + 1, Answer: a, Answered: a.Answered(), picked: map[string]bool{}}
		if i < len(sess.Sections) {
			e.Section = sess.Sections[i]
		}
		if it, ok := s.lib().Item(id); ok {
			e.Item = it.Public()
		} else {
			e.Item, e.Retired = exercises.Public{ID: id, Title: id, Body: template.HTML("<p>This item was retired; it scores 0.</p>")}, true
		}
		for _, c := range a.Choices {
			e.picked[c] = true
		}
		out[i] = e
	}
	return out
}

// reviewItem is one item of a report with what may be shown now that the exam is over.
type reviewItem struct {
	exams.ItemResult
	N         int                `json:"n"`
	Title     string             `json:"title"`
	Key       string             `json:"key,omitempty"`
	Choices   []exercises.Option `json:"choices,omitempty"`
	Rationale template.HTML      `json:"rationale,omitempty"`
	Body      template.HTML      `json:"-"`
}

// IsPicked and IsCorrect tell the template about one letter.
func (r reviewItem) IsPicked(l string) bool  { return contains(r.Picked, l) }
func (r reviewItem) IsCorrect(l string) bool { return contains(r.ItemResult.Correct, l) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) review(rep *exams.Report) []reviewItem {
	out := make([]reviewItem, len(rep.Items))
	for i, ir := range rep.Items {
		r := reviewItem{ItemResult: ir, N: i + 1, Title: ir.ItemID}
		if it, ok := s.lib().Item(ir.ItemID); ok {
			r.Title, r.Choices, r.Rationale, r.Body = it.Title, it.Choices, it.Rationale, it.Body
			if it.Key != nil {
				r.Key = it.Key.String()
			}
		}
		out[i] = r
	}
	return out
}
