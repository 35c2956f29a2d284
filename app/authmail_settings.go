package app

import (
	"context"

	"github.com/plinthdb/plinth/mail"
)

// settingsMail reads the mail settings from the app settings (§10.1 meta
// and smtp), unless a source was installed with SetMailSettings.
func (a *App) settingsMail(ctx context.Context) (MailSettings, error) {
	s, err := a.Settings(ctx)
	if err != nil {
		return MailSettings{}, err
	}
	return MailSettings{
		AppName: s.Meta.AppName, AppURL: s.Meta.AppURL,
		SenderName: s.Meta.SenderName, SenderAddress: s.Meta.SenderAddress,
		SMTP: mail.SMTPConfig{
			Enabled: s.SMTP.Enabled, Host: s.SMTP.Host, Port: s.SMTP.Port,
			Username: s.SMTP.Username, Password: s.SMTP.Password,
			TLS: s.SMTP.TLS, AuthMethod: s.SMTP.AuthMethod, LocalName: s.SMTP.LocalName,
		},
	}, nil
}
