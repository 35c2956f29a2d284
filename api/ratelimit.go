package api

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

var (
	errTooManyRequests = core.Errorf(core.ETooMany, "Too Many Requests.")
	errIPNotAllowed    = core.Errorf(core.EForbidden, "You are not allowed to perform this request.")
)

// remoteIP is the address of the connection's peer.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().StringExpanded()
	}
	return host
}

// realIP is the client IP: taken from the trusted proxy headers when
// settings name some (the last value of a header is the one the nearest
// proxy set; within it the rightmost valid IP, or the leftmost with
// useLeftmostIP), else the peer address.
func realIP(r *http.Request, tp *app.TrustedProxySettings) string {
	for _, h := range tp.Headers {
		values := r.Header.Values(h)
		if len(values) == 0 || values[len(values)-1] == "" {
			continue
		}
		ips := strings.Split(values[len(values)-1], ",")
		for k := range ips {
			i := k
			if !tp.UseLeftmostIP {
				i = len(ips) - 1 - k
			}
			if a, err := netip.ParseAddr(strings.TrimSpace(ips[i])); err == nil {
				return a.Unmap().StringExpanded()
			}
		}
	}
	return remoteIP(r)
}

// clientIP is realIP under the current settings.
func (s *server) clientIP(r *http.Request) string {
	st, err := s.app.Settings(r.Context())
	if err != nil {
		return remoteIP(r)
	}
	return realIP(r, &st.TrustedProxy)
}

func isSuperuser(rec *core.Record) bool {
	return rec != nil && rec.Collection != nil && rec.Collection.Name == core.SuperusersName
}

// superuserIPs rejects superuser requests from outside settings'
// superuserIPs whitelist (§1.2). It runs after loadAuth.
func (s *server) superuserIPs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSuperuser(authRecord(r.Context())) {
			st, err := s.app.Settings(r.Context())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if !st.SuperuserIPAllowed(realIP(r, &st.TrustedProxy)) {
				s.fail(w, r, errIPNotAllowed)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitedHandler is a route that does its own, collection-scoped rate
// limiting; dispatch skips the path-based check for it.
type limitedHandler struct {
	s    *server
	tags []string
	next http.Handler
}

// limit declares the action tags of a {collection} route ("create";
// "authWithPassword", "auth"): requests are limited by the rules for
// "<collection>:<tag>", then "*:<tag>", then the method and path. It
// must be the outermost wrapper of the route (dispatch recognizes it by
// type). The tags of §1.12: list, view, create, update, delete, file,
// listAuthMethods, authRefresh, requestOTP, requestPasswordReset,
// confirmPasswordReset, requestVerification, confirmVerification,
// requestEmailChange, confirmEmailChange; the password, OTP and OAuth2
// logins add "auth" after their own tag (authWithPassword,
// authWithOTP, authWithOAuth2) so that "*:auth" covers all three.
func (s *server) limit(next http.Handler, tags ...string) http.Handler {
	return &limitedHandler{s: s, tags: tags, next: next}
}

func (h *limitedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A missing collection is left to the handler and its own 404.
	if c, err := h.s.app.Collection(r.Context(), r.PathValue("collection")); err == nil {
		if err := h.s.checkCollectionLimit(r, c, h.tags...); err != nil {
			h.s.fail(w, r, err)
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

// pathLabels are the labels every request matches: method and path, then
// path alone (prefix rules are matched against both).
func pathLabels(r *http.Request) []string {
	return []string{r.Method + " " + r.URL.Path, r.URL.Path}
}

// checkPathLimit applies the path-based rules to a route that declares
// no action tags.
func (s *server) checkPathLimit(r *http.Request) error {
	return s.checkLimit(r, "", pathLabels(r))
}

// checkCollectionLimit applies the rules for an action on collection c.
// Counters are kept per collection and route, so "*:create" allows its
// quota for each collection separately (as PocketBase does). Batch
// sub-requests should call it with their own action tag.
func (s *server) checkCollectionLimit(r *http.Request, c *core.Collection, tags ...string) error {
	labels := make([]string, 0, 2*len(tags)+2)
	for _, t := range tags {
		labels = append(labels, c.Name+":"+t)
	}
	for _, t := range tags {
		labels = append(labels, "*:"+t)
	}
	labels = append(labels, pathLabels(r)...)
	return s.checkLimit(r, c.ID+"\x00"+r.Pattern+"\x00"+strings.Join(tags, ","), labels)
}

// checkLimit finds the rule for labels and counts the request against it
// under the client IP. scope separates counters of the same rule (""
// shares one counter per rule). Superusers and excluded IPs are exempt.
func (s *server) checkLimit(r *http.Request, scope string, labels []string) error {
	st, err := s.app.Settings(r.Context())
	if err != nil {
		return err
	}
	rl := &st.RateLimits
	if !rl.Enabled {
		return nil
	}
	rec := authRecord(r.Context())
	if isSuperuser(rec) {
		return nil
	}
	ip := realIP(r, &st.TrustedProxy)
	if ip == "" || rl.Excluded(ip) {
		return nil
	}
	audience := app.AudienceGuest
	if rec != nil {
		audience = app.AudienceAuth
	}
	rule, ok := rl.FindRule(labels, app.AudienceAll, audience)
	if !ok {
		return nil
	}
	// The rule's limits are part of the counter key: a changed rule
	// starts afresh and the old counters expire on their own.
	bucket := scope + "\x00" + rule.Label + "\x00" + rule.Audience + "\x00" +
		strconv.Itoa(rule.MaxRequests) + "/" + strconv.FormatInt(rule.Duration, 10)
	if !s.limiter.Allow(bucket, ip, rule.MaxRequests, time.Duration(rule.Duration)*time.Second) {
		return errTooManyRequests
	}
	return nil
}
