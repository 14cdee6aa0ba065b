# What the log's commands print: init, stats, export, import, verify, rebuild, backups.
log-init-exists = { $text } already holds a store ({ $events }); left as it is
log-init-created = created an empty store in { $text }
stats-data-dir = data directory
stats-events = events
stats-streams = streams
stats-head-position = head position
stats-head-hash = head hash
stats-size = size on disk
stats-bytes = { $n } bytes
log-wrote-bundle = wrote { $what } (positions { $start }..{ $end }) to { $text }
    head hash { $hash }
log-wrote-lines = wrote { $what } (positions { $start }..{ $end }) as JSON Lines to { $text }
    last hash { $hash }
log-imported = imported { $what } from { $text }; the log now ends at { $position } ({ $hash })
log-verifies = the log verifies: { $what } in { $value }, head { $position } { $hash }
log-rebuilt = rebuilt the read models from { $what }

## Backups
backup-written = wrote the backup { $text }: the log to position { $position } ({ $hash }), { $what } in the vault, { $value }, { $n }
backup-verifies = the backup verifies: the log to position { $position } ({ $hash }), every part's digest (give --key-file to check the key files too)
backup-verifies-keys = the backup verifies: the log to position { $position } ({ $hash }), every part's digest, the key files open with the deployment key
backup-restored = restored { $text } into { $value }: the log to position { $position } ({ $hash }), verified; { $what } removed again
backup-increment = (an increment of the backup to position { $position })
backup-increment-alone = (an increment of the backup to position { $position }, checked on its own)
backup-increment-with-base = (an increment of the backup to position { $position }, checked with its base)
backup-cut-short = the backup was cut short: { $problem }
backup-give-file = give the backup file
progress-backup = writing the backup
progress-restore = restoring
restore-give-data-dir = name the new data directory to restore into (or PARAPOMPI_DATA)
restore-give-key = the deployment key is never in a backup: give a copy of the key the data directory was made with (--key-file FILE), or name it with PARAPOMPI_DEPLOYMENT_KEY_FILE or PARAPOMPI_DEPLOYMENT_KEY
restore-later-erasures = recorded { $what } after the backup's position
restore-erased-already = erased in the backup already: { $text }
restore-not-in-backup = not in the backup (registered after it was made?), nothing done: { $text }
restore-actor-id = { $text }: a restore takes a staff member's id
restore-line-no-person = line { $n }: { $text } does not begin with a person's id
restore-line-no-staff = line { $n }: { $text } names no staff member's id after the person's
restore-line-no-supervisor = line { $n }: { $text } names no supervisor to record the erasure: give --as STAFF or a staff id after the person's
restore-line-too-long = line { $n }: { $text } has more than a person's id and a staff member's

## The deployment key (keys rotate)
keys-no-store = there is no store in { $text }; there is no key to rotate
keys-variable-not-set = { $value } is not set (64 hex digits)
keys-new-key-outside = the deployment key comes from PARAPOMPI_DEPLOYMENT_KEY or PARAPOMPI_DEPLOYMENT_KEY_FILE, so the new one is kept outside the data directory too: give --new-key-file FILE (made there if missing) or --new-key-from-env (PARAPOMPI_NEW_DEPLOYMENT_KEY)
keys-rotated = rotated the deployment key: { $what } kept under the new key, the AMKA index was rebuilt under it
keys-rotation-finished = finished an interrupted rotation: { $what } kept under the new key, the AMKA index was rebuilt under it
keys-removed-old-file = removed the old key file { $text }
keys-old-backups = Backups made before now open with the old key only: keep the old key as long as those backups, and back up the new one apart from the data.
keys-new-key-in = the new key is in { $text }
keys-give-new-key-next = from now on, give the new key to every command:
    next:
keys-give-new-key-variable = from now on, give the new key to every command: set PARAPOMPI_DEPLOYMENT_KEY to what { $value } holds

## The demo world (demo)
demo-not-empty = { $text } is not empty; the demo needs an empty or new directory
progress-demo = the demo world:
demo-made = made the demo world in { $text } (seed { $value }):
demo-centre = centre  { $name }
demo-referrals = referrals
demo-ending-outcome = { $text }_{ $outcome }
demo-next = next, try:

## The log's argument checks and the server's export
log-not-in-log = position { $position } is not in the log (1..={ $end })
log-past-bundles = position { $position } is past the last record of the bundles ({ $end })
log-export-server-jsonl = through the server the records are exported as JSON Lines (give --jsonl); a bundle is written on the data directory itself
log-export-server-failed = the export from the server failed: { $problem }
log-server-bad-record = the server sent a record that does not parse: { $problem }
log-export-ended-early = the server's export ended at position { $position }, before the head { $end }: nothing was kept
progress-counting = counting the log
progress-exporting = exporting
progress-importing = importing:
progress-the-log = the log:
progress-replaying = replaying
progress-rebuilding = rebuilding:
progress-time-left = about { $value } left
progress-work-checking = checking
progress-work-writing = writing
progress-work-verifying = verifying
progress-work-folding = folding the read models
progress-work-simulating = simulating days
progress-work-exporting = writing the records
progress-work-replaying = checking and folding the records
