# What an evaluator's check of bundles prints (verify --bundle).
trust-bundles-verify = the bundles verify: { $what }, positions { $start }..{ $end }, head hash { $hash }
trust-range = a range: it covers positions { $start }..{ $end } only, joined to the hash at position { $position }; positions 1..{ $position } are not in it
trust-signed = signed checkpoint of position { $position } by { $value }
trust-signed-compare = signed checkpoint of position { $position } by { $value } (compare this key with the one the centre gave you out of band, or give --key)
trust-no-checkpoint = no checkpoint: this bundle was written without one, so nothing signed says the centre stands by it
trust-no-anchor = checked against no outside anchor (give --witness, --pin or --held)
trust-anchor-agrees = checked against { $text }: agrees
trust-witness-signed = the witness file is signed by { $value }
trust-bundle-bad = bundle does not verify: { $problem }
trust-witness-no-checkpoint = bundle does not verify against the witness: { $text } carries no checkpoint, so it names no origin the witness could hold (it was written before checkpoints; give --pin or --held instead)
trust-witness-no-origin = the witness { $text } holds no checkpoint of { $origin } (it holds { $value }): nothing to check against
trust-none = none
trust-source-pin = the pin { $position }:{ $hash }
trust-source-witness = the witness { $text } (its checkpoint at position { $position })
trust-source-held = the bundle held earlier ({ $text })
trust-source-at = { $text } at position { $position }
trust-source-at-many = { $text } at { $n } positions from { $start } to { $end }
trust-checkpoint-too-long = { $text } is too long for a checkpoint
trust-json-not-checkpoint = { $text } is JSON but neither a bundle nor a checkpoint (no "note")
trust-not-checkpoint = { $text }: not a bundle or a checkpoint: { $problem }
progress-checking-bundle = checking the bundle
progress-verifying-bundles = verifying bundles
# Where in a bundle its check failed; the problem is the check's own sentence.
bundle-place-file = { $text }: { $problem }
bundle-place-manifest = { $text }, manifest: { $problem }
bundle-place-record = { $text }, record { $n } (byte { $value }): { $problem }

## Checkpoints (checkpoint --out)
trust-checkpoint-written = wrote the checkpoint of position { $position } (head hash { $hash }) to { $text }

## Witnesses (witness init, witness add)
witness-made = made the witness { $text } (its key in { $value }, readable by its owner only)
    its verifier key, to publish: { $key }
witness-countersigned = { $text }: countersigned the checkpoint of { $origin } at position { $position } (head hash { $hash })
witness-countersigned-bare = { $text }: countersigned the checkpoint of { $origin } at position { $position } (head hash { $hash }); a bare checkpoint: the history behind it is checked when a bundle reaches it
witness-countersigned-extends = { $text }: countersigned the checkpoint of { $origin } at position { $position } (head hash { $hash }); it extends the witnessed history (checked at positions { $value })
witness-already-held = { $text }: already held the checkpoint of { $origin } at position { $position } (head hash { $hash })
witness-already-held-bare = { $text }: already held the checkpoint of { $origin } at position { $position } (head hash { $hash }); a bare checkpoint: the history behind it is checked when a bundle reaches it
witness-already-held-extends = { $text }: already held the checkpoint of { $origin } at position { $position } (head hash { $hash }); it extends the witnessed history (checked at positions { $value })
witness-first-seen = first time this witness sees this deployment: compare its key with the one the centre gave you
# What a witness refuses, or cannot do (one message a kind of refusal).
witness-key-unreadable = cannot read the witness key { $text }: { $problem }
witness-not-a-key-file = { $text } is not a witness key file (first line "{ $value }")
witness-exists = { $text } already exists: a witness is made once
witness-bad-name = --name: { $problem }
witness-no-random-key = no random key could be drawn: { $problem }
witness-file-unreadable = cannot read the witness file { $text }: { $problem }
witness-file-too-large = the witness file { $text } is larger than { $max } bytes
witness-altered = the witness file { $text } does not check: { $problem }
witness-history-refused = refused: { $problem }
witness-no-checkpoint-in-bundle = { $text }: the bundle carries no checkpoint, so there is nothing signed to countersign (it was written before checkpoints; export it again)
witness-bad-bundle-checkpoint = { $text }: { $problem }
witness-bad-checkpoint = the checkpoint: { $problem }
witness-bad-checkpoint-key = the checkpoint's key: { $problem }
witness-never-seen = this witness has never seen { $origin }: give its first bundle, or the centre's key with --producer-key, before a bare checkpoint
witness-signature-refused = refused: { $problem }
witness-fork = refused: position { $position }: the checkpoint states hash { $hash }, but the witness holds { $value } there: the centre has signed two different histories (a fork)
witness-cut-short = refused: the checkpoint states position { $position }, before position { $value } the witness already holds: a history cut short, or an old checkpoint (a bare checkpoint cannot show that it agrees; a bundle can)
witness-wrong-producer-key = refused: the checkpoint is signed by { $key }, not by the centre's key given, { $value }
witness-key-mismatch = the witness key { $key } is not the key of the witness file { $text } ({ $value })
witness-full = the witness holds { $max } checkpoints of { $origin } already
witness-checkpoint-not-read = { $text }: the bundle's checkpoint was not read
witness-state = the witness state: { $problem }
vkey-not-a-key = { $text } is not a verifier key (name+keyid+key)
vkey-bad-name = { $name } is not a key name (1-256 characters, no spaces, no '+')
vkey-not-base64 = the verifier key { $name }: its key is not base64
vkey-not-ed25519 = the verifier key { $name } is not an Ed25519 key (type 0x01 and 32 bytes)
vkey-not-a-curve-point = the verifier key { $name } is not a curve point
vkey-id-mismatch = the verifier key { $name }: its key id { $id } does not match its key
pin-not-position-hash = { $text } is not POSITION:HASH
pin-not-a-position = { $text } is not a position
pin-not-a-hash = { $text } is not 64 hex digits
pin-position-zero = position 0 holds nothing to pin: positions start at 1
