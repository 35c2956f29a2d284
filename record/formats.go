package record

// IsEmail reports whether s is an e-mail address as email fields accept
// it; settings validation reuses it so both agree.
func IsEmail(s string) bool { return isEmail(s) }

// IsURL reports whether s is a URL in PocketBase's lenient sense (the
// scheme may be omitted); settings validation reuses it.
func IsURL(s string) bool { return isURL(s) }
