package api

import "net/http"

// proxyHeaders are headers that suggest a reverse proxy in front; the
// dashboard uses the hint to suggest configuring trustedProxy.
var proxyHeaders = []string{"CF-Connecting-IP", "Fly-Client-IP", "X-Forwarded-For"}

func (s *server) handleHealth() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		data := map[string]any{}
		if req := s.request(r); req.IsSuperuser() {
			st, err := s.app.Settings(r.Context())
			if err != nil {
				return err
			}
			data["canBackup"] = false
			data["realIP"] = realIP(r, &st.TrustedProxy)
			hint := ""
			for _, h := range append(append([]string{}, st.TrustedProxy.Headers...), proxyHeaders...) {
				if r.Header.Get(h) != "" {
					hint = h
					break
				}
			}
			data["possibleProxyHeader"] = hint
		}
		return s.respond(w, r, http.StatusOK, map[string]any{"message": "API is healthy.", "code": 200, "data": data})
	})
}
