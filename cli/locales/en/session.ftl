# The session: the data directory opened, the acting staff member, and the command line as a
# client of a server (login, logout, the saved login, the server's answers).
session-no-store = there is no store in { $text }; run `parapompi init` (or `parapompi demo`) first
session-in-use = the data directory { $text } is in use by another process (waited { $value } s, --wait); if a server holds it, send the command through it with --server URL
session-made-deployment-key = warning: made the deployment key { $text }. Back it up apart from the data: without it no person's identity can be read. Beside the data it suits a trial, not production: keep it on another volume and name it with PARAPOMPI_DEPLOYMENT_KEY_FILE (docs/CLI.md, "Keys").
session-made-signing-key = warning: made the signing key { $text } for this data directory's checkpoints; its public key is { $key }. Give that key to your evaluators and witness out of band. Beside the data it suits a trial, not production: anyone with a copy of the directory can sign as the centre, so back it up apart and keep copies of the directory under control (docs/CLI.md, "Checkpoints and witnesses").
session-needs-actor = this command is recorded as an act and needs the acting staff member (--as STAFF or PARAPOMPI_ACTOR)
session-no-staff = no staff member { $id }
store-in-use = the data directory { $text } is in use by another process; try again when it has finished
store-corrupt = the store is corrupt at position { $position }: { $problem }; run `parapompi verify` and restore from an export
store-import-line = import line { $n }: { $problem }
store-import-record = import record { $n } (byte { $value }): { $problem }

## The saved login and the server
client-no-config-dir = no config directory to keep the login in: set PARAPOMPI_CONFIG_DIR or HOME
client-cannot-save = cannot save the login in { $text }: { $problem }
client-session-damaged = the saved login { $text } is damaged ({ $problem }); run `parapompi login` again
client-cannot-read-session = cannot read the saved login { $text }: { $problem }
client-cannot-remove-session = cannot remove the saved login { $text }: { $problem }
client-not-a-url = { $text } is not a URL such as http://127.0.0.1:8080
client-ca-unreadable = cannot read it: { $problem }
client-ca-not-pem = not PEM certificates ({ $problem })
client-ca-untrusted = a certificate that cannot be trusted ({ $problem })
client-ca-empty = no certificate in it
client-answer-lacks = { $detail }
client-answer-bad-events = { $detail }
client-not-a-token = not a token of the form pp1_…
client-not-logged-in = not logged in to { $value }: run `parapompi --server { $value } login --staff STAFF` (or set PARAPOMPI_TOKEN)
client-answered-badly = the server { $value } answered badly: { $problem }
client-answer-too-large = the server's answer is larger than { $max } bytes: not read
client-unreachable = cannot reach the server { $value }: { $problem }
client-not-json = the server's answer is not JSON: { $problem }
client-unknown-rule = the server refused with an unknown rule { $rule }: { $problem }
client-login-refused = the server did not accept the login ({ $problem }): run `parapompi login` again
client-answered = the server answered { $value }: { $problem }

## login and logout
login-stdin-unreadable = cannot read standard input: { $problem }
login-refused-id = the server did not accept the login ({ $problem }): check the staff id and the password
login-refused-name = the server did not accept the login ({ $problem }): check the name and the password
login-no-token = the server's login answer has no token
logout-token-from-environment = the token comes from the environment: unset it (revoke an API token with `staff revoke-credential`)
client-head-no-position = the server's head has no position
client-bad-person-found = the server sent a person found that does not parse: { $problem }
client-bad-names = the server's answer to a read of names does not parse: { $problem }
client-bad-reference = the server's answer to a reference does not parse: { $problem }
client-bad-listing = the server's answer is not the expected listing: { $problem }
client-tls = TLS: { $problem }
