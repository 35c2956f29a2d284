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

	// Auth collections (§6). The strings after each handler are its rate-limit tags (§1.12).
	const c = "/api/collections/{collection}/"
	mux.Handle("GET "+c+"auth-methods", s.limit(s.handleAuthMethods(), "listAuthMethods"))
	mux.Handle("POST "+c+"auth-with-password", s.limit(s.handleAuthWithPassword(), "authWithPassword", "auth"))
	mux.Handle("POST "+c+"auth-refresh", s.limit(s.handleAuthRefresh(), "authRefresh"))
	mux.Handle("POST "+c+"request-otp", s.limit(s.handleRequestOTP(), "requestOTP"))
	mux.Handle("POST "+c+"auth-with-otp", s.limit(s.handleAuthWithOTP(), "authWithOTP", "auth"))
	mux.Handle("POST "+c+"auth-with-oauth2", s.limit(s.handleAuthWithOAuth2(), "authWithOAuth2", "auth"))
	mux.Handle("POST "+c+"request-verification", s.limit(s.handleRequestVerification(), "requestVerification"))
	mux.Handle("POST "+c+"confirm-verification", s.limit(s.handleConfirmVerification(), "confirmVerification"))
	mux.Handle("POST "+c+"request-password-reset", s.limit(s.handleRequestPasswordReset(), "requestPasswordReset"))
	mux.Handle("POST "+c+"confirm-password-reset", s.limit(s.handleConfirmPasswordReset(), "confirmPasswordReset"))
	mux.Handle("POST "+c+"request-email-change", s.limit(s.handleRequestEmailChange(), "requestEmailChange"))
	mux.Handle("POST "+c+"confirm-email-change", s.limit(s.handleConfirmEmailChange(), "confirmEmailChange"))
	mux.Handle("POST "+c+"impersonate/{id}", s.handleImpersonate())
	mux.Handle("GET /api/collections/meta/oauth2-providers", s.superuser(s.handleOAuth2Providers()))
	mux.Handle("GET /api/oauth2-redirect", s.handleOAuth2Redirect())
	mux.Handle("POST /api/oauth2-redirect", s.handleOAuth2Redirect())
	mux.Handle("POST /api/files/token", s.handleFileToken())

	mux.Handle("GET /api/settings", s.superuser(s.handleSettingsView()))
	mux.Handle("PATCH /api/settings", s.superuser(s.handleSettingsUpdate()))
	mux.Handle("POST /api/settings/test/s3", s.superuser(s.handleSettingsTestS3()))
	mux.Handle("POST /api/settings/test/email", s.superuser(s.handleSettingsTestEmail()))
	mux.Handle("POST /api/settings/apple/generate-client-secret", s.superuser(s.handleAppleClientSecret()))
}
