#!/usr/bin/env python3
"""Check a Parapompi JSON Lines export against store/FORMAT.md, with no Parapompi code.

Usage: verify_log.py EXPORT.jsonl [--prev-hash HEX]

Prints "ok: N records, head POSITION HASH" and exits 0 when the file is a valid log (or a
valid range of one, given the hash it continues from); otherwise prints
"line L: what is wrong" and exits 2. Python 3.8+, standard library only.
"""
import hashlib
import json
import struct
import sys
import uuid

KEYS = ["position", "stream_id", "stream_version", "event_id", "command_id", "event_type",
        "schema_version", "occurred_at", "recorded_at", "actor", "payload", "prev_hash", "hash"]


def text(value):
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def canonical(record):
    return (b"\x01"
            + struct.pack(">Q", record["position"])
            + text(record["stream_id"])
            + struct.pack(">Q", record["stream_version"])
            + uuid.UUID(record["event_id"]).bytes
            + uuid.UUID(record["command_id"]).bytes
            + text(record["event_type"])
            + struct.pack(">I", record["schema_version"])
            + struct.pack(">q", record["occurred_at"])
            + struct.pack(">q", record["recorded_at"])
            + text(record["actor"])
            + text(record["payload"]))


class Bad(Exception):
    pass


def check(lines, prev_hash):
    """Checks the records; returns (count, last position, last hash hex)."""
    versions = {}
    position = None
    last_recorded_at = None
    count = 0
    from_start = prev_hash is None
    for number, line in enumerate(lines, start=1):
        try:
            if not line.endswith("\n"):
                raise Bad("the last line is cut short: the file is truncated")
            try:
                record = json.loads(line)
            except ValueError as error:
                raise Bad("not JSON: %s" % error)
            if not isinstance(record, dict) or list(record.keys()) != KEYS:
                raise Bad("not a record: keys must be %s in that order" % ", ".join(KEYS))
            if position is None:
                position = record["position"] - 1
                if prev_hash is None:
                    if record["position"] != 1:
                        raise Bad("the log starts at position %d, not 1 (give --prev-hash for a range)"
                                  % record["position"])
                    prev_hash = bytes(32)
            if record["position"] != position + 1:
                raise Bad("position gap: expected %d, found %d" % (position + 1, record["position"]))
            if bytes.fromhex(record["prev_hash"]) != prev_hash:
                raise Bad("chain break at position %d: prev_hash does not match the record before"
                          % record["position"])
            digest = hashlib.sha256(prev_hash + canonical(record)).digest()
            if digest.hex() != record["hash"]:
                raise Bad("hash mismatch at position %d" % record["position"])
            stream = record["stream_id"]
            # In a range, a stream's first version continues the log before it.
            if stream in versions:
                expected = versions[stream] + 1
            else:
                expected = 1 if from_start else record["stream_version"]
            if record["stream_version"] != expected:
                raise Bad("version break in %s: expected %d, found %d"
                          % (stream, expected, record["stream_version"]))
            if last_recorded_at is not None and record["recorded_at"] < last_recorded_at:
                raise Bad("recorded_at goes back in time at position %d" % record["position"])
        except Bad as error:
            raise Bad("line %d: %s" % (number, error))
        except (KeyError, TypeError, ValueError, struct.error) as error:
            raise Bad("line %d: malformed field: %s" % (number, error))
        versions[stream] = record["stream_version"]
        last_recorded_at = record["recorded_at"]
        position = record["position"]
        prev_hash = digest
        count += 1
    return count, position or 0, (prev_hash or bytes(32)).hex()


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--prev-hash"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    prev_hash = bytes.fromhex(argv[3]) if len(argv) == 4 else None
    try:
        with open(argv[1], encoding="utf-8", newline="\n") as lines:
            count, position, head = check(lines, prev_hash)
    except Bad as error:
        print(error)
        return 2
    except (OSError, UnicodeDecodeError) as error:
        print("cannot read %s: %s" % (argv[1], error))
        return 2
    print("ok: %d records, head %d %s" % (count, position, head))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
