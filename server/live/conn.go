package live

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// This file is the only one that knows about WebSockets: the upgrade, and for every
// connection exactly one reader and one writer goroutine with a bounded queue between the room
// and the writer.

// Limits of a connection (docs/live-protocol.md, "Opening a WebSocket").
const (
	maxMessage   = 20 << 10         // largest message a client may send
	sendQueue    = 64               // messages waiting for a client before it counts as too slow
	helloWait    = 10 * time.Second // time to send hello
	pongWait     = 60 * time.Second // silence after which a client is gone
	pingEvery    = 25 * time.Second
	writeWait    = 10 * time.Second // longest a single write may take
	msgRate      = 10               // messages a second a client may send…
	msgBurst     = 20               // …in bursts of this many
	readBufSize  = 512
	writeBufSize = 1024
)

// Msg is an encoded server message. A broadcast is one Msg shared by every connection and
// framed once (a websocket.PreparedMessage); a personal message is written directly.
type Msg struct {
	data   []byte
	shared bool
	once   sync.Once
	frame  *websocket.PreparedMessage
	err    error
}

// newMsg encodes a message for one connection.
func newMsg(v any) *Msg {
	b, err := json.Marshal(v)
	if err != nil { // only plain structs are sent: a failure is a programming error
		panic("live: encode message: " + err.Error())
	}
	return &Msg{data: b}
}

// newShared encodes a message for many connections.
func newShared(v any) *Msg {
	m := newMsg(v)
	m.shared = true
	return m
}

// Data is the message's JSON (tests read it).
func (m *Msg) Data() []byte { return m.data }

func (m *Msg) prepared() (*websocket.PreparedMessage, error) {
	m.once.Do(func() { m.frame, m.err = websocket.NewPreparedMessage(websocket.TextMessage, m.data) })
	return m.frame, m.err
}

// conn is one WebSocket: the Peer a room sends to.
type conn struct {
	ws      *websocket.Conn
	send    chan *Msg
	closing chan struct{} // closed by Close: the writer says goodbye and hangs up
	once    sync.Once
	code    int
	reason  string
}

func newConn(ws *websocket.Conn) *conn {
	return &conn{ws: ws, send: make(chan *Msg, sendQueue), closing: make(chan struct{})}
}

// Send queues m for the writer without blocking.
func (c *conn) Send(m *Msg) bool {
	select {
	case <-c.closing:
		return true // closing anyway: not a slow client
	default:
	}
	select {
	case c.send <- m:
		return true
	default:
		return false
	}
}

// Close asks the writer to send what is queued, then a close frame, then hang up.
func (c *conn) Close(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.closing)
	})
}

// writer is the connection's only writer: queued messages, pings, and the close frame.
func (c *conn) writer() {
	ping := time.NewTicker(pingEvery)
	defer func() {
		ping.Stop()
		c.ws.Close() // ends the reader too
	}()
	for {
		select {
		case m := <-c.send:
			if c.write(m) != nil {
				c.Close(closeGoingOff, "write failed")
				return
			}
		case <-ping.C:
			if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)) != nil {
				c.Close(closeGoingOff, "ping failed")
				return
			}
		case <-c.closing:
			for n := len(c.send); n > 0; n-- {
				if c.write(<-c.send) != nil {
					return
				}
			}
			msg := websocket.FormatCloseMessage(c.code, c.reason)
			_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			return
		}
	}
}

func (c *conn) write(m *Msg) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	if !m.shared {
		return c.ws.WriteMessage(websocket.TextMessage, m.data)
	}
	pm, err := m.prepared()
	if err != nil {
		return err
	}
	return c.ws.WritePreparedMessage(pm)
}

// reader is the connection's only reader: it decodes messages, stamps them with the server's
// clock and posts them to the room. When the connection ends it tells the room.
func (c *conn) reader(r *Room, host bool, u *User) {
	defer func() {
		r.post(event{kind: evGone, peer: c})
		c.Close(closeGoingOff, "")
	}()
	c.ws.SetReadLimit(maxMessage)
	deadline := helloWait
	if host {
		deadline = pongWait
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(deadline))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	limit := rate.NewLimiter(msgRate, msgBurst)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.Close(websocket.CloseMessageTooBig, "message too big")
			}
			return
		}
		at := r.cfg.Now()
		if !limit.Allow() {
			c.Close(closePolicy, "too many messages")
			return
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
		in := new(inbound)
		if err := json.Unmarshal(data, in); err != nil || in.Type == "" {
			c.Send(newMsg(errorMsg{Type: "error", Code: errBadMessage, Message: "a message is a JSON object with a type"}))
			continue
		}
		ev := event{peer: c, in: in, at: at, user: u}
		switch {
		case host:
			ev.kind = evHost
		case in.Type == "hello":
			ev.kind = evHello
		case in.Type == "answer":
			ev.kind = evAnswer
		default:
			c.Send(newMsg(errorMsg{Type: "error", Code: errBadMessage, Message: "unknown message type " + in.Type}))
			continue
		}
		if !r.post(ev) {
			return
		}
	}
}

// upgrader makes WebSockets. Its origin check is strict: a browser always sends Origin on a
// WebSocket, and it must be this site.
func newUpgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   readBufSize,
		WriteBufferSize:  writeBufSize,
		WriteBufferPool:  &sync.Pool{},
		CheckOrigin:      sameOrigin,
	}
}

// sameOrigin reports whether the request's Origin is present and names the host it was sent to.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, r.Host)
}

// serve upgrades the request and starts the connection's two goroutines. The handler returns
// at once; the goroutines own the connection from here.
func (h *Hub) serve(w http.ResponseWriter, req *http.Request, r *Room, host bool, u *User) error {
	if !sameOrigin(req) {
		return ErrOrigin
	}
	ws, err := h.upgrader.Upgrade(w, req, nil)
	if err != nil {
		return errUpgraded // the upgrader has answered the request
	}
	c := newConn(ws)
	go c.writer()
	if host && !r.post(event{kind: evHostJoin, peer: c, at: r.cfg.Now()}) {
		c.Close(closeNormal, "the quiz is over")
	}
	go c.reader(r, host, u)
	return nil
}
