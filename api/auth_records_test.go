package api_test

import (
	"net/url"
	"testing"
)

func TestAuthRecordCreateForm(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		path := "/api/collections/users/records"
		// Two-stage reporting: a too-short password without confirmation
		// reports only the confirmation (and not the bad email either).
		r := e.call("POST", path, "", map[string]any{"email": "bad", "password": "short"}).status(400)
		r.has("message", "Failed to create record.").fieldCode("passwordConfirm", "validation_required").
			absent("data.password").absent("data.email")
		e.call("POST", path, "", map[string]any{"email": "a@example.com"}).status(400).
			fieldCode("password", "validation_required").absent("data.passwordConfirm")
		e.call("POST", path, "", map[string]any{"email": "a@example.com", "password": "password-one", "passwordConfirm": "password-two"}).
			status(400).fieldCode("passwordConfirm", "validation_values_mismatch")
		// Stage two once the form passes.
		e.call("POST", path, "", map[string]any{"email": "bad", "password": "short", "passwordConfirm": "short"}).status(400).
			fieldCode("email", "validation_is_email").fieldCode("password", "validation_min_text_constraint")
		// Only managers may create verified records.
		e.call("POST", path, "", map[string]any{"email": "a@example.com", "password": "password-one", "passwordConfirm": "password-one", "verified": true}).
			status(400).fieldCode("verified", "validation_values_mismatch")

		r = e.call("POST", path, "", map[string]any{"email": "a@example.com", "password": "password-one", "passwordConfirm": "password-one"}).status(200)
		// A guest sees no email without emailVisibility.
		r.absent("email").has("verified", false).absent("password").absent("passwordConfirm").absent("tokenKey")
		// Multipart numbers are compared as the text they were.
		form := url.Values{"email": {"n@example.com"}, "password": {"12345678"}, "passwordConfirm": {"12345678"}}
		e.call("POST", path, "", form).status(200)
		e.login("users", "n@example.com", "12345678")

		// email is unique.
		e.call("POST", path, "", map[string]any{"email": "a@example.com", "password": "password-one", "passwordConfirm": "password-one"}).
			status(400).fieldCode("email", "validation_not_unique")

		r = e.call("POST", path, "", map[string]any{"email": "v@example.com", "password": "password-one",
			"passwordConfirm": "password-one", "emailVisibility": true}).status(200)
		r.has("email", "v@example.com")
		e.su("POST", path, map[string]any{"email": "s@example.com", "password": "password-one", "passwordConfirm": "password-one", "verified": true}).
			status(200).has("verified", true).has("email", "s@example.com")

		// Superusers are verified, whatever is asked.
		e.su("POST", "/api/collections/_superusers/records", map[string]any{"email": "root2@example.com",
			"password": "password-one", "passwordConfirm": "password-one", "verified": false}).status(200).has("verified", true)
	})
}

func TestAuthRecordUpdateForm(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		token := e.login("users", "u1@example.com", "password-one")
		path := "/api/collections/users/records/" + id

		e.call("PATCH", path, token, map[string]any{"password": "password-two", "passwordConfirm": "password-two"}).status(400).
			has("message", "Failed to update record.").fieldCode("oldPassword", "validation_required")
		e.call("PATCH", path, token, map[string]any{"password": "password-two", "passwordConfirm": "password-two", "oldPassword": "nope"}).
			status(400).fieldCode("oldPassword", "validation_invalid_old_password")
		e.call("PATCH", path, token, map[string]any{"password": "password-two", "oldPassword": "password-one"}).status(400).
			fieldCode("passwordConfirm", "validation_required").absent("data.oldPassword")
		e.call("PATCH", path, token, map[string]any{"email": "new@example.com"}).status(400).
			fieldCode("email", "validation_values_mismatch")
		e.call("PATCH", path, token, map[string]any{"verified": true}).status(400).
			fieldCode("verified", "validation_values_mismatch")
		// Unchanged values are not changes.
		e.call("PATCH", path, token, map[string]any{"email": "u1@example.com", "verified": false, "name": "U1"}).status(200).
			has("name", "U1").has("email", "u1@example.com")
		e.call("PATCH", path, token, map[string]any{"password": "password-two", "passwordConfirm": "password-two", "oldPassword": "password-one"}).
			status(200)
		e.call("PATCH", path, token, map[string]any{"name": "again"}).status(404) // the token ended with the password
		token = e.login("users", "u1@example.com", "password-two")

		// A superuser needs no old password and may set email and verified.
		e.su("PATCH", path, map[string]any{"password": "password-three", "passwordConfirm": "password-three",
			"email": "u1b@example.com", "verified": true}).status(200).has("email", "u1b@example.com").has("verified", true)
		e.login("users", "u1b@example.com", "password-three")
		e.call("PATCH", path, token, map[string]any{"name": "x"}).status(404)
		// Superusers stay verified.
		su := e.me(e.token)
		e.su("PATCH", "/api/collections/_superusers/records/"+su, map[string]any{"verified": false}).status(200).has("verified", true)
	})
}

func TestAuthRecordManageRule(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.su("POST", "/api/collections", map[string]any{
			"name": "members", "type": "auth",
			"fields":     []any{map[string]any{"name": "role", "type": "text"}},
			"listRule":   "@request.auth.id != ''",
			"viewRule":   "@request.auth.id != ''",
			"createRule": "@request.auth.id != ''",
			"updateRule": "@request.auth.id != ''",
			"manageRule": "@request.auth.role = 'admin'",
		}).status(200)
		admin := e.createIn("members", "admin@example.com", "password-one", map[string]any{"role": "admin"})
		plain := e.createIn("members", "plain@example.com", "password-one", nil)
		other := e.createIn("members", "other@example.com", "password-one", nil)
		adminToken := e.login("members", "admin@example.com", "password-one")
		plainToken := e.login("members", "plain@example.com", "password-one")
		_ = admin

		// Managers see the managed records' email; others do not.
		list := e.call("GET", "/api/collections/members/records?sort=email", adminToken, nil).status(200)
		list.has("items.0.email", "admin@example.com").has("items.1.email", "other@example.com").has("items.2.email", "plain@example.com")
		list = e.call("GET", "/api/collections/members/records?sort=email", plainToken, nil).status(200)
		list.absent("items.0.email").absent("items.1.email").has("items.2.email", "plain@example.com")
		e.call("GET", "/api/collections/members/records/"+other, adminToken, nil).status(200).has("email", "other@example.com")
		e.call("GET", "/api/collections/members/records/"+other, plainToken, nil).status(200).absent("email")

		// A manager changes email, verified and password without the old one.
		path := "/api/collections/members/records/" + other
		e.call("PATCH", path, adminToken, map[string]any{"email": "other2@example.com", "verified": true,
			"password": "password-two", "passwordConfirm": "password-two"}).status(200).
			has("email", "other2@example.com").has("verified", true)
		e.login("members", "other2@example.com", "password-two")
		e.call("PATCH", path, plainToken, map[string]any{"verified": false}).status(400).fieldCode("verified", "validation_values_mismatch")
		e.call("PATCH", path, plainToken, map[string]any{"password": "password-x", "passwordConfirm": "password-x"}).status(400).
			fieldCode("oldPassword", "validation_required")

		// Creating verified records takes manage access too, checked on the new record.
		body := map[string]any{"email": "new1@example.com", "password": "password-one", "passwordConfirm": "password-one", "verified": true}
		e.call("POST", "/api/collections/members/records", plainToken, body).status(400).fieldCode("verified", "validation_values_mismatch")
		created := e.call("POST", "/api/collections/members/records", adminToken, body).status(200).
			has("verified", true).has("email", "new1@example.com").str("id")
		e.call("GET", "/api/collections/members/records/"+created, adminToken, nil).status(200).has("verified", true)
		_ = plain
	})
}
