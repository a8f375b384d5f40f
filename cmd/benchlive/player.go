package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// message is any server message of docs/live-protocol.md; each type fills some of the fields.
type message struct {
	Type        string          `json:"type"`
	Q           int             `json:"q"`
	SentUS      int64           `json:"sent_us"`
	RemainingMS int64           `json:"remaining_ms"`
	Item        item            `json:"item"`
	Answered    json.RawMessage `json:"answered"` // true/false in result, a count in reveal and answered
	Count       int             `json:"count"`
	Players     int             `json:"players"`
	Quiz        struct {
		Title     string `json:"title"`
		Questions int    `json:"questions"`
	} `json:"quiz"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// item is what a player sees of a question.
type item struct {
	ID      string `json:"id"`
	Type    string `json:"type"` // choice, multi or case
	Choices []struct {
		Letter string `json:"letter"`
	} `json:"choices"`
	Choose int `json:"choose"`
}

// answerMsg is a player's answer.
type answerMsg struct {
	Type    string   `json:"type"`
	Q       int      `json:"q"`
	Choices []string `json:"choices,omitempty"`
	Codes   string   `json:"codes,omitempty"`
}

// caseAnswers are what players type for code-entry questions: right for some cases, wrong for
// most; every one is graded in full.
var caseAnswers = []string{
	"C44.612, 11603, 12032",
	"S52.521A, W01.XXXA, Y93.01",
	"99213-25, J06.9",
	"11603 12032-59 C44.612",
	"E11.9; I10; 99214",
}

// answerFor picks a random answer to question q: letters for choice questions (as many as the
// question asks for), codes for code entry.
func answerFor(q int, it item) answerMsg {
	a := answerMsg{Type: "answer", Q: q}
	if it.Type == "case" || len(it.Choices) == 0 {
		a.Codes = caseAnswers[rand.IntN(len(caseAnswers))]
		return a
	}
	k := 1
	if it.Type == "multi" && it.Choose > 0 {
		k = min(it.Choose, len(it.Choices))
	}
	for _, i := range rand.Perm(len(it.Choices))[:k] {
		a.Choices = append(a.Choices, it.Choices[i].Letter)
	}
	return a
}

// answerErrors are the error codes that refuse an answer (docs/live-protocol.md, Errors).
var answerErrors = map[string]bool{"not_open": true, "late": true, "invalid_answer": true}

// progress is what the host waits for, counted by the players as it happens.
type progress struct {
	joined   atomic.Int64
	failed   atomic.Int64   // players who could not join
	resulted []atomic.Int64 // per question: players who got its reveal and their result
	finished atomic.Int64   // players who got end and final
}

// playerStats is what one player saw. Its reading goroutine writes it, except the fields
// marked as the answer timer's and problems, which player.mu guards; it is read once every
// goroutine of the player is done.
type playerStats struct {
	join     time.Duration // from dialing to welcome
	joinedAt time.Time
	joinErr  error
	q        []questionStats
	end      bool
	final    bool
	dropErr  error    // why the socket closed before end
	problems []string // error messages from the server and other surprises
}

// questionStats is one player's view of one question.
type questionStats struct {
	received  bool          // answer timer's
	broadcast time.Duration // answer timer's: from the server's sent_us to receipt
	sent      bool          // answer timer's: the answer went out
	sentAt    time.Time     // answer timer's
	writeErr  error         // answer timer's
	acked     bool
	ack       time.Duration // from sending the answer to its ack
	answerErr string        // error code refusing the answer
	reveal    bool
	result    bool
	counted   bool // result.answered
}

// player is one bot: a WebSocket, the goroutine that reads it and a timer per question that
// answers.
type player struct {
	name   string
	think  time.Duration
	prog   *progress
	timers *sync.WaitGroup // the answer timers, so that the stats are read after them
	conn   *websocket.Conn
	mu     sync.Mutex // one writer at a time (gorilla/websocket allows one); guards the answer timer's fields
	st     playerStats
}

// joinTimeout bounds the handshake and the wait for welcome.
const joinTimeout = 30 * time.Second

// join dials the player socket, says hello and waits for welcome. The socket closes when ctx is
// done.
func (p *player) join(ctx context.Context, d *websocket.Dialer, url string, header http.Header) error {
	start := time.Now()
	conn, resp, err := d.DialContext(ctx, url, header)
	if err != nil {
		return handshakeError(err, resp)
	}
	p.conn = conn
	context.AfterFunc(ctx, func() { conn.Close() })
	conn.SetReadDeadline(start.Add(joinTimeout))
	hello, _ := json.Marshal(map[string]string{"type": "hello", "name": p.name})
	if err := p.write(hello); err != nil {
		conn.Close()
		return fmt.Errorf("hello: %w", err)
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return fmt.Errorf("waiting for welcome: %w", err)
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			conn.Close()
			return fmt.Errorf("waiting for welcome: %w", err)
		}
		switch m.Type {
		case "welcome":
			p.st.joinedAt = time.Now()
			p.st.join = p.st.joinedAt.Sub(start)
			conn.SetReadDeadline(time.Time{})
			return nil
		case "error":
			conn.Close()
			return fmt.Errorf("hello: error %s: %s", m.Code, m.Message)
		}
	}
}

// handshakeError says why a WebSocket handshake failed, with the HTTP answer when there was one.
func handshakeError(err error, resp *http.Response) error {
	if resp == nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return fmt.Errorf("dial: %w: status %d: %s", err, resp.StatusCode, strings.TrimSpace(string(body)))
}

// questionPrefix starts a question as the server encodes it. Any other encoding works too, by
// the slower path of handle.
var questionPrefix = []byte(`{"type":"question"`)

// play reads the socket until it closes. stopped tells whether we closed it.
//
// A question is only timestamped here and decoded later by its answer timer: every player
// decoding the broadcast at once would take CPU from the broadcast being measured, since the
// server and this program share the machine's cores.
func (p *player) play(stopped func() bool) {
	for {
		_, data, err := p.conn.ReadMessage()
		at := time.Now()
		if err != nil {
			if !p.st.end && !stopped() {
				p.st.dropErr = err
			}
			return
		}
		if bytes.HasPrefix(data, questionPrefix) {
			p.scheduleAnswer(data, at)
			continue
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			p.problem("undecodable message: " + err.Error())
			continue
		}
		p.handle(m, data, at)
	}
}

// handle takes in one message, data decoded as m, received at at.
func (p *player) handle(m message, data []byte, at time.Time) {
	qs := p.question(m.Q)
	switch m.Type {
	case "question":
		p.scheduleAnswer(data, at)
	case "ack":
		if qs == nil {
			return
		}
		p.mu.Lock()
		sentAt := qs.sentAt
		p.mu.Unlock()
		qs.acked, qs.ack = true, at.Sub(sentAt)
	case "error":
		if qs != nil && answerErrors[m.Code] {
			qs.answerErr = m.Code
			return
		}
		p.problem(fmt.Sprintf("error %s: %s", m.Code, m.Message))
	case "reveal":
		if qs != nil && !qs.reveal {
			qs.reveal = true
			p.resulted(qs, m.Q)
		}
	case "result":
		if qs != nil && !qs.result {
			qs.result, qs.counted = true, string(m.Answered) == "true"
			p.resulted(qs, m.Q)
		}
	case "end":
		p.st.end = true
		p.finished()
	case "final":
		p.st.final = true
		p.finished()
	case "kicked":
		p.problem("kicked")
	}
}

// problem notes something that went wrong.
func (p *player) problem(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.problems = append(p.st.problems, what)
}

// question is the player's record of question q, nil when q is out of range.
func (p *player) question(q int) *questionStats {
	if q < 0 || q >= len(p.st.q) {
		return nil
	}
	return &p.st.q[q]
}

// resulted counts the player in once it has both the reveal and its result of question q.
func (p *player) resulted(qs *questionStats, q int) {
	if qs.reveal && qs.result {
		p.prog.resulted[q].Add(1)
	}
}

// finished counts the player in once it has both end and final.
func (p *player) finished() {
	if p.st.end && p.st.final {
		p.prog.finished.Add(1)
	}
}

// scheduleAnswer answers the question in data, received at at, after a random think time.
func (p *player) scheduleAnswer(data []byte, at time.Time) {
	delay := time.Duration(rand.Int64N(int64(p.think) + 1))
	p.timers.Add(1)
	time.AfterFunc(delay, func() {
		defer p.timers.Done()
		p.answer(data, at)
	})
}

// answer decodes the question in data, received at at, and sends an answer to it.
func (p *player) answer(data []byte, at time.Time) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		p.problem("undecodable question: " + err.Error())
		return
	}
	qs := p.question(m.Q)
	if qs == nil {
		p.problem(fmt.Sprintf("question %d is beyond the questions run", m.Q))
		return
	}
	b, err := json.Marshal(answerFor(m.Q, m.Item))
	if err != nil {
		panic(err) // strings and ints always encode
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if qs.received {
		return // sent again: the first answer stands
	}
	qs.received, qs.broadcast = true, at.Sub(time.UnixMicro(m.SentUS))
	qs.sent, qs.sentAt = true, time.Now()
	if err := p.writeLocked(b); err != nil {
		qs.writeErr = err
	}
}

// write sends one text message.
func (p *player) write(b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writeLocked(b)
}

func (p *player) writeLocked(b []byte) error {
	if err := p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	return p.conn.WriteMessage(websocket.TextMessage, b)
}
