package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// host drives the quiz over the host socket.
type host struct {
	conn    *websocket.Conn
	hello   message      // the first message, type host
	players atomic.Int64 // the last players count
	events  chan message // every message but players; closed when the socket is
	err     error        // why the socket closed; read after events is closed
}

// errTimeout is the end of a wait for the host's messages.
var errTimeout = errors.New("timed out")

// dialHost opens the host socket with the session cookies in jar and reads its host message.
func dialHost(ctx context.Context, url string, header http.Header, jar http.CookieJar) (*host, error) {
	d := &websocket.Dialer{Jar: jar, HandshakeTimeout: 10 * time.Second}
	conn, resp, err := d.DialContext(ctx, url, header)
	if err != nil {
		return nil, fmt.Errorf("host socket: %w", handshakeError(err, resp))
	}
	h := &host{conn: conn, events: make(chan message, 1024)}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.ReadJSON(&h.hello); err != nil {
		conn.Close()
		return nil, fmt.Errorf("host socket: reading the host message: %w", err)
	}
	if h.hello.Type != "host" {
		conn.Close()
		return nil, fmt.Errorf("host socket: the first message is %q, not host", h.hello.Type)
	}
	conn.SetReadDeadline(time.Time{})
	go h.read()
	return h, nil
}

// read passes the host's messages on until the socket closes. It keeps the players counts
// (sent during the whole connect phase, when nobody waits for messages) to itself.
func (h *host) read() {
	defer close(h.events)
	for {
		_, data, err := h.conn.ReadMessage()
		if err != nil {
			h.err = err
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			continue
		}
		if m.Type == "players" {
			h.players.Store(int64(m.Count))
			continue
		}
		h.events <- m
	}
}

func (h *host) close() { h.conn.Close() }

// send sends a command without fields.
func (h *host) send(typ string) error {
	h.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := h.conn.WriteJSON(map[string]string{"type": typ}); err != nil {
		return fmt.Errorf("host %s: %w", typ, err)
	}
	return nil
}

// await passes the host's messages to match until it returns true or an error, or limit
// passes (errTimeout).
func (h *host) await(ctx context.Context, limit time.Duration, what string, match func(message) (bool, error)) error {
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		select {
		case m, ok := <-h.events:
			if !ok {
				return fmt.Errorf("host socket closed waiting for %s: %w", what, h.err)
			}
			if done, err := match(m); done || err != nil {
				return err
			}
		case <-t.C:
			return fmt.Errorf("waiting for %s: %w after %s", what, errTimeout, limit)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

// hostError turns an error message into an error.
func hostError(m message) error {
	if m.Type != "error" {
		return nil
	}
	return fmt.Errorf("host got error %s: %s", m.Code, m.Message)
}

// questionRun is the host's view of one question.
type questionRun struct {
	opened   time.Time
	answered int  // the server's count in reveal
	early    bool // closed by the host once every answer was in
}

func (r questionRun) closedBy() string {
	if r.early {
		return "by the host"
	}
	return "at the deadline"
}

// runQuiz runs questions questions of a quiz of total: start (or next), wait until every
// player has answered (or the deadline has passed), close, wait until every player has the
// reveal and their result; then end the quiz (next after the quiz's last question, end before)
// and wait until every player has end and final. Players who miss a message are not waited
// for beyond a few seconds: the report counts what they missed.
func (h *host) runQuiz(ctx context.Context, questions, total int, sw *swarm, log *slog.Logger) ([]questionRun, error) {
	n := sw.prog.joined.Load()
	runs := make([]questionRun, questions)
	for q := range questions {
		cmd := "next"
		if q == 0 {
			cmd = "start"
		}
		if err := h.send(cmd); err != nil {
			return runs, err
		}
		r, err := h.runQuestion(ctx, q, n)
		runs[q] = r
		if err != nil {
			return runs, err
		}
		if !waitUntil(ctx, 10*time.Second, func() bool { return sw.prog.resulted[q].Load() >= n }) {
			log.Warn("not every player got the reveal and their result", "question", q+1, "got", sw.prog.resulted[q].Load(), "players", n)
		}
		log.Info("question done", "question", fmt.Sprintf("%d/%d", q+1, questions), "answered", r.answered, "players", n,
			"closed", r.closedBy(), "took", time.Since(r.opened).Round(time.Millisecond))
	}
	last := "next"
	if questions < total {
		last = "end"
	}
	if err := h.send(last); err != nil {
		return runs, err
	}
	if err := h.await(ctx, 10*time.Second, "end", func(m message) (bool, error) { return m.Type == "end", hostError(m) }); err != nil {
		return runs, err
	}
	if !waitUntil(ctx, 15*time.Second, func() bool { return sw.prog.finished.Load() >= n }) {
		log.Warn("not every player got end and final", "got", sw.prog.finished.Load(), "players", n)
	}
	return runs, nil
}

// runQuestion waits for question q to open, for n answers and for its reveal.
func (h *host) runQuestion(ctx context.Context, q int, n int64) (questionRun, error) {
	var r questionRun
	var deadline time.Time
	err := h.await(ctx, 10*time.Second, "question "+strconv.Itoa(q), func(m message) (bool, error) {
		if m.Type == "question" && m.Q == q {
			r.opened = time.Now()
			deadline = r.opened.Add(time.Duration(m.RemainingMS)*time.Millisecond + 2*time.Second)
			return true, nil
		}
		return false, hostError(m)
	})
	if err != nil {
		return r, err
	}
	revealed := false
	isReveal := func(m message) bool {
		if m.Type == "reveal" && m.Q == q {
			revealed = true
			r.answered, _ = strconv.Atoi(string(m.Answered))
		}
		return revealed
	}
	err = h.await(ctx, time.Until(deadline), "answers", func(m message) (bool, error) {
		if m.Type == "answered" && m.Q == q && int64(m.Count) >= n {
			return true, nil
		}
		return isReveal(m), hostError(m)
	})
	if err != nil && !errors.Is(err, errTimeout) {
		return r, err
	}
	if revealed {
		return r, nil
	}
	r.early = err == nil
	if err := h.send("close"); err != nil {
		return r, err
	}
	err = h.await(ctx, 10*time.Second, "reveal "+strconv.Itoa(q), func(m message) (bool, error) {
		if m.Type == "error" && m.Code == "bad_state" {
			return false, nil // the deadline came first: its reveal is on the way
		}
		return isReveal(m), hostError(m)
	})
	return r, err
}
