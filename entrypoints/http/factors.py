"""Second factors over HTTP: enrolment, recovery codes, and signing in with a second factor."""
