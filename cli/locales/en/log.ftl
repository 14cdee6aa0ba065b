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
