package api

import "net/http"

// addRoutes is the map of the API.
func addRoutes(mux *http.ServeMux, s *server) {
	mux.Handle("GET /api/health", s.handleHealth())

	mux.Handle("GET /api/collections", s.superuser(s.handleCollectionsList()))
	mux.Handle("POST /api/collections", s.superuser(s.handleCollectionCreate()))
	mux.Handle("PUT /api/collections/import", s.superuser(s.handleCollectionsImport()))
	mux.Handle("GET /api/collections/meta/scaffolds", s.superuser(s.handleScaffolds()))
	mux.Handle("POST /api/collections/meta/dry-run-view", s.superuser(s.handleDryRunView()))
	mux.Handle("GET /api/collections/{collection}", s.superuser(s.handleCollectionView()))
	mux.Handle("PATCH /api/collections/{collection}", s.superuser(s.handleCollectionUpdate()))
	mux.Handle("DELETE /api/collections/{collection}", s.superuser(s.handleCollectionDelete()))
	mux.Handle("DELETE /api/collections/{collection}/truncate", s.superuser(s.handleCollectionTruncate()))

	mux.Handle("GET /api/collections/{collection}/records", s.limit(s.handleRecordsList(), "list"))
	mux.Handle("POST /api/collections/{collection}/records", s.limit(s.handleRecordCreate(), "create"))
	mux.Handle("GET /api/collections/{collection}/records/{id}", s.limit(s.handleRecordView(), "view"))
	mux.Handle("PATCH /api/collections/{collection}/records/{id}", s.limit(s.handleRecordUpdate(), "update"))
	mux.Handle("DELETE /api/collections/{collection}/records/{id}", s.limit(s.handleRecordDelete(), "delete"))
	mux.Handle("POST /api/batch", s.handleBatch())

	mux.Handle("GET /api/files/{collection}/{recordId}/{filename}", s.limit(s.handleFileDownload(), "file"))

	mux.Handle("POST /api/collections/{collection}/auth-with-password", s.limit(s.handleAuthWithPassword(), "authWithPassword", "auth"))
	mux.Handle("POST /api/collections/{collection}/auth-refresh", s.limit(s.handleAuthRefresh(), "authRefresh"))

	mux.Handle("GET /api/settings", s.superuser(s.handleSettingsView()))
	mux.Handle("PATCH /api/settings", s.superuser(s.handleSettingsUpdate()))
	mux.Handle("POST /api/settings/test/s3", s.superuser(s.handleSettingsTestS3()))
	mux.Handle("POST /api/settings/test/email", s.superuser(s.handleSettingsTestEmail()))

	addAuthRoutes(mux, s)
	addOAuth2Routes(mux, s)
}
