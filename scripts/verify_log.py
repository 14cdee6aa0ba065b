#!/usr/bin/env python3
"""Check Parapompi logs without any Parapompi code: a JSON Lines export, or one or more
evaluator bundles that join in the order given (store/FORMAT.md, docs/EVALUATORS.md).

Usage:
  verify_log.py EXPORT.jsonl [--prev-hash HEX]
  verify_log.py BUNDLE.jsonl [LATER_BUNDLE.jsonl ...]

Prints "ok: N records, head POSITION HASH" and exits 0 when every file checks out;
otherwise prints "FILE, line L: what is wrong" and exits 2. Python 3.8+, standard library only.
"""
import hashlib
import json
import struct
import sys
import uuid

KEYS = ["position", "stream_id", "stream_version", "event_id", "command_id", "event_type",
        "schema_version", "occurred_at", "recorded_at", "actor", "payload", "prev_hash", "hash"]
MANIFEST_KEYS = ["format", "format_version", "engine_version", "created_at", "centres",
                 "first_position", "last_position", "prev_hash", "head_hash", "n_events"]


class Bad(Exception):
    pass


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


class Chain:
    """The chain rules of FORMAT.md, carried across the files of one log."""

    def __init__(self):
        self.position = None      # the last position checked
        self.prev_hash = None     # the hash of the last record checked
        self.from_start = False   # whether the log was seen from position 1
        self.versions = {}
        self.last_recorded_at = None

    def begin(self, first_position, prev_hash):
        if self.position is None:
            self.position = first_position - 1
            self.prev_hash = prev_hash
            self.from_start = first_position == 1
            if self.from_start and prev_hash != bytes(32):
                raise Bad("a log from position 1 must start from the zero hash")
        elif first_position != self.position + 1 or prev_hash != self.prev_hash:
            raise Bad("this file does not join the one before: it starts at position %d after hash %s,"
                      " the one before ends at %d with hash %s"
                      % (first_position, prev_hash.hex(), self.position, self.prev_hash.hex()))

    def check(self, record):
        if record["position"] != self.position + 1:
            raise Bad("position gap: expected %d, found %d" % (self.position + 1, record["position"]))
        if bytes.fromhex(record["prev_hash"]) != self.prev_hash:
            raise Bad("chain break at position %d: prev_hash is not the hash of the record before"
                      % record["position"])
        digest = hashlib.sha256(self.prev_hash + canonical(record)).digest()
        if digest.hex() != record["hash"]:
            raise Bad("hash mismatch at position %d" % record["position"])
        stream = record["stream_id"]
        if stream in self.versions:
            expected = self.versions[stream] + 1
        else:
            expected = 1 if self.from_start else record["stream_version"]
        if record["stream_version"] != expected:
            raise Bad("version break in %s: expected %d, found %d" % (stream, expected, record["stream_version"]))
        if self.last_recorded_at is not None and record["recorded_at"] < self.last_recorded_at:
            raise Bad("recorded_at goes back in time at position %d" % record["position"])
        self.versions[stream] = record["stream_version"]
        self.last_recorded_at = record["recorded_at"]
        self.position = record["position"]
        self.prev_hash = digest


def parse_json(line):
    if not line.endswith("\n"):
        raise Bad("the line is cut short: the file is truncated")
    try:
        return json.loads(line)
    except ValueError as error:
        raise Bad("not JSON: %s" % error)


def parse_record(line):
    value = parse_json(line)
    if not isinstance(value, dict) or list(value.keys()) != KEYS:
        raise Bad("not a record: keys must be %s in that order" % ", ".join(KEYS))
    return value


def check_file(path, chain, prev_hash_arg):
    """Checks one file; returns the number of records in it."""
    count = 0
    manifest = None
    with open(path, encoding="utf-8", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                first = parse_json(line) if number == 1 else None
                if isinstance(first, dict) and "format" in first:
                    manifest = first
                    if sorted(manifest.keys()) != sorted(MANIFEST_KEYS):
                        raise Bad("not a bundle manifest: its keys must be %s" % ", ".join(MANIFEST_KEYS))
                    if manifest["format"] != "parapompi-bundle" or manifest["format_version"] != 1:
                        raise Bad("not a version 1 parapompi bundle")
                    chain.begin(manifest["first_position"], bytes.fromhex(manifest["prev_hash"]))
                    continue
                record = parse_record(line)
                if chain.position is None:
                    if prev_hash_arg is None and record["position"] != 1:
                        raise Bad("the log starts at position %d, not 1 (give --prev-hash for a range)"
                                  % record["position"])
                    chain.begin(record["position"], prev_hash_arg if prev_hash_arg is not None else bytes(32))
                chain.check(record)
                count += 1
            except Bad as error:
                raise Bad("%s, line %d: %s" % (path, number, error))
            except (KeyError, TypeError, ValueError, struct.error) as error:
                raise Bad("%s, line %d: malformed field: %s" % (path, number, error))
    if manifest is not None:
        if count != manifest["n_events"] or chain.position != manifest["last_position"]:
            raise Bad("%s: the manifest promises %d records ending at position %d, the file holds %d ending at %s:"
                      " records are missing" % (path, manifest["n_events"], manifest["last_position"], count,
                                                chain.position))
        if chain.prev_hash.hex() != manifest["head_hash"]:
            raise Bad("%s, line 1: the manifest's head hash is not the last record's hash" % path)
    return count


def main(argv):
    args = argv[1:]
    prev_hash = None
    if "--prev-hash" in args:
        at = args.index("--prev-hash")
        if at + 1 >= len(args):
            print(__doc__.strip().splitlines()[3], file=sys.stderr)
            return 2
        prev_hash = bytes.fromhex(args[at + 1])
        del args[at:at + 2]
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    chain = Chain()
    total = 0
    try:
        for path in args:
            total += check_file(path, chain, prev_hash)
    except Bad as error:
        print(error)
        return 2
    except (OSError, UnicodeDecodeError) as error:
        print("cannot read: %s" % error)
        return 2
    print("ok: %d records, head %d %s" % (total, chain.position or 0, (chain.prev_hash or bytes(32)).hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
