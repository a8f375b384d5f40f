package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"chartcode/server/store"
)

const sessionCookie = "chartcode_session"

// sessionID is what the store keeps of a session token: its SHA-256. A stolen database does not
// yield usable cookies.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// loadSession puts the signed-in user, if any, into the request context.
func (s *Server) loadSession(c *gin.Context) {
	if tok, err := c.Cookie(sessionCookie); err == nil && tok != "" {
		sess, u, err := s.db.SessionUser(sessionID(tok), s.now())
		switch {
		case err == nil:
			c.Set(ctxUser, u)
			c.Set(ctxSession, sess.ID)
		case !errors.Is(err, store.ErrNotFound):
			s.log.Error("session lookup", "err", err)
		}
	}
	c.Next()
}

const (
	ctxUser    = "chartcode.user"
	ctxSession = "chartcode.session"
)

// currentUser returns the signed-in user.
func currentUser(c *gin.Context) (store.User, bool) {
	v, ok := c.Get(ctxUser)
	if !ok {
		return store.User{}, false
	}
	u, ok := v.(store.User)
	return u, ok
}

// require lets a request through only for a signed-in user with one of roles.
func (s *Server) require(roles ...store.Role) gin.HandlerFunc {
	return s.wrap(func(c *gin.Context) error {
		u, ok := currentUser(c)
		if !ok {
			c.Abort()
			return errUnauthorized
		}
		if !slices.Contains(roles, u.Role) {
			c.Abort()
			return errForbidden
		}
		// A one-time password opens only the way to choosing a real one.
		if u.MustChange && !slices.Contains(passwordChangeRoutes, c.FullPath()) {
			c.Abort()
			if wantsJSON(c.Request) {
				return &httpError{Status: http.StatusForbidden, Msg: "choose a new password first (PUT /api/me/password)"}
			}
			c.Redirect(http.StatusSeeOther, "/account/password")
			return nil
		}
		c.Next()
		return nil
	})
}

// passwordChangeRoutes are open to a person who still has a one-time password.
var passwordChangeRoutes = []string{"/account/password", "/signout", "/api/session", "/api/me/password"}

// startSession signs u in: a fresh random token in an HttpOnly, SameSite=Lax cookie, and its
// hash in the store.
func (s *Server) startSession(c *gin.Context, u store.User) error {
	token := randomToken(32) // 256 bits
	now := s.now()
	if err := s.db.CreateSession(store.Session{ID: sessionID(token), UserID: u.ID, Created: now, Expires: now.Add(s.cfg.SessionTTL)}); err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(s.cfg.SessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil || s.cfg.SecureCookies})
	return nil
}

// endSession signs the request's user out, on the server and in the browser.
func (s *Server) endSession(c *gin.Context) error {
	if id, ok := c.Get(ctxSession); ok {
		if err := s.db.DeleteSession(id.(string)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil || s.cfg.SecureCookies})
	return nil
}

var errBadCredentials = &httpError{Status: http.StatusUnauthorized, Msg: "wrong user name or password", Field: "password"}

// authenticate checks a user name and password, within the sign-in rate limits.
func (s *Server) authenticate(ctx context.Context, c *gin.Context, name, password string) (store.User, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return store.User{}, badRequest("username", "enter your user name")
	}
	if password == "" {
		return store.User{}, badRequest("password", "enter your password")
	}
	if wait, ok := s.limiter.allow(name, clientIP(c.Request)); !ok {
		return store.User{}, tooMany(c, wait, "sign-in attempts")
	}
	u, err := s.db.UserByName(name)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check so that timing does not reveal which names exist.
		s.hasher.verify(ctx, dummyHash, password)
		return store.User{}, errBadCredentials
	}
	if err != nil {
		return store.User{}, err
	}
	ok, err := s.hasher.verify(ctx, u.PasswordHash, password)
	if err != nil {
		return store.User{}, err
	}
	if !ok {
		return store.User{}, errBadCredentials
	}
	return u, nil
}

// tooMany is the 429 for a password guess over the limits, with Retry-After.
func tooMany(c *gin.Context, wait time.Duration, what string) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", fmt.Sprint(secs))
	return &httpError{Status: http.StatusTooManyRequests, Msg: fmt.Sprintf("too many %s: try again in %d s", what, secs)}
}

// dummyHash is a valid hash of a random password, checked for unknown user names.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0000000000000000000000000000000000000000000"

// clientIP is the address the request came from (no proxy headers are trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter bounds sign-in attempts per account and per address, so that guessing a
// password is slow whichever one an attacker varies.
type loginLimiter struct {
	now func() time.Time

	mu       sync.Mutex
	accounts map[string]*limit
	addrs    map[string]*limit
	swept    time.Time
}

type limit struct {
	lim  *rate.Limiter
	seen time.Time
}

const (
	accountBurst = 5
	accountEvery = 20 * time.Second
	addrBurst    = 20
	addrEvery    = 3 * time.Second
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, accounts: map[string]*limit{}, addrs: map[string]*limit{}}
}

// allow takes one attempt for account and addr; when refused it says how long to wait.
func (l *loginLimiter) allow(account, addr string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > 10*time.Minute {
		for _, m := range []map[string]*limit{l.accounts, l.addrs} {
			for k, v := range m {
				if now.Sub(v.seen) > time.Hour {
					delete(m, k)
				}
			}
		}
		l.swept = now
	}
	get := func(m map[string]*limit, key string, every time.Duration, burst int) *limit {
		v, ok := m[key]
		if !ok {
			v = &limit{lim: rate.NewLimiter(rate.Every(every), burst)}
			m[key] = v
		}
		v.seen = now
		return v
	}
	acc := get(l.accounts, account, accountEvery, accountBurst)
	ip := get(l.addrs, addr, addrEvery, addrBurst)
	ra, rb := acc.lim.ReserveN(now, 1), ip.lim.ReserveN(now, 1)
	wait := max(ra.DelayFrom(now), rb.DelayFrom(now))
	if wait > 0 {
		ra.CancelAt(now)
		rb.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// EnsureAdmin creates the first account, "admin", when the store has no user. The password is
// password when given, otherwise a random one-time password the admin must change at first
// sign-in. It reports the password it set, or "" when users existed already.
func EnsureAdmin(ctx context.Context, db *store.Store, password string) (string, error) {
	n, err := db.CountUsers()
	if err != nil || n > 0 {
		return "", err
	}
	mustChange := password == ""
	if mustChange {
		password = randomToken(12)
	} else if msg := checkPasswordRules(password, "admin"); msg != "" {
		return "", fmt.Errorf("CHARTCODE_ADMIN_PASSWORD: %s", msg)
	}
	hash, err := newHasher().hash(ctx, password)
	if err != nil {
		return "", err
	}
	u := store.User{Name: "admin", FullName: "Administrator", Role: store.Admin, PasswordHash: hash, MustChange: mustChange}
	if err := db.CreateUser(&u); err != nil {
		return "", err
	}
	return password, nil
}
