package api

import "net/http"

func (s *server) handleHealth() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		data := map[string]any{}
		if req := s.request(r); req.IsSuperuser() {
			data["canBackup"] = false
			data["realIP"] = clientIP(r)
			data["possibleProxyHeader"] = ""
		}
		return s.respond(w, r, http.StatusOK, map[string]any{"message": "API is healthy.", "code": 200, "data": data})
	})
}
