package live

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// Errors of the hub.
var (
	// ErrOrigin: a WebSocket was asked for from another site (or without an Origin).
	ErrOrigin = errors.New("live: cross-origin WebSocket refused")
	// ErrNoRoom: no running room has that PIN.
	ErrNoRoom = errors.New("live: no live quiz has that PIN")
	// errUpgraded: the upgrade failed and the upgrader has already answered.
	errUpgraded = errors.New("live: upgrade failed")
)

// IsAnswered reports whether err means the response has already been written.
func IsAnswered(err error) bool { return errors.Is(err, errUpgraded) }

// Hub keeps the running rooms by PIN and connects people to them.
type Hub struct {
	mu       sync.Mutex
	rooms    map[string]*Room // by PIN
	upgrader *websocket.Upgrader
}

// NewHub makes an empty hub.
func NewHub() *Hub {
	return &Hub{rooms: map[string]*Room{}, upgrader: newUpgrader()}
}

// MaxRoomsPerHost is how many quizzes one person may have running at once.
const MaxRoomsPerHost = 5

// ErrTooManyRooms: the host already runs MaxRoomsPerHost quizzes.
var ErrTooManyRooms = fmt.Errorf("live: you already run %d live quizzes; end one first", MaxRoomsPerHost)

// Create starts a room with a fresh PIN (cfg.PIN is ignored).
func (h *Hub) Create(cfg Config) (*Room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	running := 0
	for _, r := range h.rooms {
		if r.cfg.HostID == cfg.HostID && !r.Over() {
			running++
		}
	}
	if running >= MaxRoomsPerHost {
		return nil, ErrTooManyRooms
	}
	for range 100 {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			return nil, fmt.Errorf("live: pin: %w", err)
		}
		pin := fmt.Sprintf("%06d", 100000+n.Int64())
		if _, taken := h.rooms[pin]; taken {
			continue
		}
		cfg.PIN = pin
		cfg.JoinURL = cfg.JoinURL + pin
		r, err := newRoom(cfg, func() { h.remove(pin) })
		if err != nil {
			return nil, err
		}
		h.rooms[pin] = r
		return r, nil
	}
	return nil, errors.New("live: no free PIN")
}

func (h *Hub) remove(pin string) {
	h.mu.Lock()
	delete(h.rooms, pin)
	h.mu.Unlock()
}

// Room finds a running room by PIN.
func (h *Hub) Room(pin string) (*Room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.rooms[pin]
	if !ok {
		return nil, ErrNoRoom
	}
	return r, nil
}

// Rooms lists the running rooms.
func (h *Hub) Rooms() []*Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	rs := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rs = append(rs, r)
	}
	return rs
}

// ServePlayer upgrades a player's request to a WebSocket on room r; u is the signed-in person,
// or nil. When the returned error is not nil and IsAnswered(err) is false, the caller answers.
func (h *Hub) ServePlayer(w http.ResponseWriter, req *http.Request, r *Room, u *User) error {
	return h.serve(w, req, r, false, u)
}

// ServeHost upgrades the host's request to a WebSocket on room r. The caller has checked that
// the person may run it.
func (h *Hub) ServeHost(w http.ResponseWriter, req *http.Request, r *Room) error {
	return h.serve(w, req, r, true, nil)
}

// Close stops every room: open questions are saved and connections closed.
func (h *Hub) Close() {
	for _, r := range h.Rooms() {
		r.Stop()
	}
}
