package e2e

import (
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/plinthdb/plinth/mail/mailtest"
	"github.com/plinthdb/plinth/oauth2/oauth2test"
)

// fixtures are the outside world the server talks to during a run: an
// SMTP sink for its mails and a fake OAuth2 provider. Node cannot reach
// into Go, so a small HTTP endpoint exposes what it needs: the mails
// received so far and a switch for who signs in at the provider next.
type fixtures struct {
	sink     *mailtest.Sink
	provider *oauth2test.Server
	control  *httptest.Server

	mu   sync.Mutex
	mail []mailJSON
}

// mailJSON is one received mail as the node tests read it.
type mailJSON struct {
	Seq     int      `json:"seq"`
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	HTML    string   `json:"html"`
	Text    string   `json:"text"`
	Links   []string `json:"links"`
}

func startFixtures(t *testing.T) *fixtures {
	t.Helper()
	f := &fixtures{sink: mailtest.Start(t, mailtest.Options{}), provider: oauth2test.New(t)}
	done := make(chan struct{})
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for {
			select {
			case m := <-f.sink.Messages():
				f.mu.Lock()
				f.mail = append(f.mail, mailJSON{Seq: len(f.mail) + 1, From: m.From, To: m.To, Subject: m.Subject,
					HTML: m.HTML, Text: m.Text, Links: m.Links()})
				f.mu.Unlock()
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() { close(done); <-collected })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /mail", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		out := append([]mailJSON{}, f.mail...)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /oauth2/user", func(w http.ResponseWriter, r *http.Request) {
		var user map[string]any
		if err := json.NewDecoder(r.Body).Decode(&user); err != nil || user == nil {
			http.Error(w, "body must be a JSON object", http.StatusBadRequest)
			return
		}
		f.provider.SetUser(user)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /image/{format}", serveImage)
	f.control = httptest.NewServer(mux)
	t.Cleanup(f.control.Close)
	return f
}

// env is what the node tests learn about the fixtures.
func (f *fixtures) env() []string {
	return []string{
		"PLINTH_SMTP_HOST=" + f.sink.Host,
		"PLINTH_SMTP_PORT=" + strconv.Itoa(f.sink.Port),
		"PLINTH_MAILBOX_URL=" + f.control.URL + "/mail",
		"PLINTH_OAUTH2_URL=" + f.provider.URL,
		"PLINTH_OAUTH2_CLIENT_ID=" + oauth2test.ClientID,
		"PLINTH_OAUTH2_CLIENT_SECRET=" + oauth2test.ClientSecret,
		"PLINTH_OAUTH2_USER_URL=" + f.control.URL + "/oauth2/user",
	}
}

// serveImage encodes a w×h gradient as png, jpeg or gif: node has no
// image encoders, and thumbs need real images of each format.
func serveImage(w http.ResponseWriter, r *http.Request) {
	width, err1 := strconv.Atoi(r.URL.Query().Get("w"))
	height, err2 := strconv.Atoi(r.URL.Query().Get("h"))
	if err1 != nil || err2 != nil || width < 1 || height < 1 || width > 4000 || height > 4000 {
		http.Error(w, "w and h must be 1..4000", http.StatusBadRequest)
		return
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 128, A: 255})
		}
	}
	switch r.PathValue("format") {
	case "png":
		w.Header().Set("Content-Type", "image/png")
		_ = png.Encode(w, img)
	case "jpeg":
		w.Header().Set("Content-Type", "image/jpeg")
		_ = jpeg.Encode(w, img, &jpeg.Options{Quality: 80})
	case "gif":
		w.Header().Set("Content-Type", "image/gif")
		_ = gif.Encode(w, img, nil)
	default:
		http.NotFound(w, r)
	}
}
