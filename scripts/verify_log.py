#!/usr/bin/env python3
"""Check Parapompi logs without any Parapompi code: a JSON Lines export, or one or more
evaluator bundles that join in the order given (store/FORMAT.md, docs/EVALUATORS.md).

Usage:
  verify_log.py EXPORT.jsonl [--prev-hash HEX]
  verify_log.py BUNDLE [LATER_BUNDLE ...]

Prints "ok: N records, head POSITION HASH" and exits 0 when every file checks out;
otherwise prints "FILE, line L: what is wrong" (an export, or a bundle's manifest) or
"FILE, record N (byte B): what is wrong" (a bundle's records) and exits 2.
Python 3.8+, standard library only.
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

    def check(self, record, prev_hash=None, stored_hash=None, canonical_bytes=None):
        """Checks one record: a dict with at least position, stream_id, stream_version and
        recorded_at. An export line carries its prev_hash and hash (hex) and is re-encoded; a
        bundle frame brings its canonical bytes and stored hash, and links to the frame before."""
        if record["position"] != self.position + 1:
            raise Bad("position gap: expected %d, found %d" % (self.position + 1, record["position"]))
        if prev_hash is None:
            prev_hash = bytes.fromhex(record["prev_hash"])
        if prev_hash != self.prev_hash:
            raise Bad("chain break at position %d: prev_hash is not the hash of the record before"
                      % record["position"])
        if canonical_bytes is None:
            canonical_bytes = canonical(record)
            stored_hash = bytes.fromhex(record["hash"])
        digest = hashlib.sha256(self.prev_hash + canonical_bytes).digest()
        if digest != stored_hash:
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


def take_text(data, at):
    (length,) = struct.unpack_from(">I", data, at)
    if at + 4 + length > len(data):
        raise Bad("the record does not decode: a text runs past its end")
    return data[at + 4:at + 4 + length], at + 4 + length


def parse_canonical(data):
    """The fields of canonical bytes that the chain rules need (FORMAT.md, "Canonical bytes")."""
    try:
        if data[:1] != b"\x01":
            raise Bad("the record does not decode: unknown canonical format version")
        (position,) = struct.unpack_from(">Q", data, 1)
        stream_id, at = take_text(data, 9)
        (stream_version,) = struct.unpack_from(">Q", data, at)
        event_type, at = take_text(data, at + 8 + 32)
        (recorded_at,) = struct.unpack_from(">q", data, at + 4 + 8)
        actor, at = take_text(data, at + 4 + 16)
        _payload, at = take_text(data, at)
        if at != len(data):
            raise Bad("the record does not decode: %d trailing bytes" % (len(data) - at))
        return {"position": position, "stream_id": stream_id.decode("utf-8"), "stream_version": stream_version,
                "event_type": event_type.decode("utf-8"), "recorded_at": recorded_at, "actor": actor.decode("utf-8")}
    except (struct.error, UnicodeDecodeError) as error:
        raise Bad("the record does not decode: %s" % error)


def check_bundle(path, data, chain):
    """Checks one bundle: its manifest line, then its record frames (FORMAT.md, "Record frames")."""
    end = data.find(b"\n")
    if end < 0:
        raise Bad("%s, line 1: the manifest is cut short (no line end): the bundle is truncated" % path)
    try:
        manifest = json.loads(data[:end].decode("utf-8"))
        if not isinstance(manifest, dict) or sorted(manifest.keys()) != sorted(MANIFEST_KEYS):
            raise Bad("not a bundle manifest: its keys must be %s" % ", ".join(MANIFEST_KEYS))
        if manifest["format"] != "parapompi-bundle" or manifest["format_version"] != 2:
            raise Bad("not a version 2 parapompi bundle")
        chain.begin(manifest["first_position"], bytes.fromhex(manifest["prev_hash"]))
    except (ValueError, UnicodeDecodeError) as error:
        raise Bad("%s, line 1: not a bundle manifest: %s" % (path, error))
    except Bad as error:
        raise Bad("%s, line 1: %s" % (path, error))
    at = end + 1
    number = 1
    if len(data) - at < 32:
        raise Bad("%s, record 1 (byte %d): the records are cut short before their leading hash" % (path, at))
    prev = data[at:at + 32]
    at += 32
    count = 0
    while at < len(data):
        try:
            if at + 4 > len(data):
                raise Bad("the last record is cut short: the file is truncated")
            (length,) = struct.unpack_from(">I", data, at)
            if at + 4 + length + 32 > len(data):
                raise Bad("the last record is cut short: the file is truncated")
            canonical_bytes = data[at + 4:at + 4 + length]
            stored = data[at + 4 + length:at + 4 + length + 32]
            chain.check(parse_canonical(canonical_bytes), prev, stored, canonical_bytes)
        except Bad as error:
            raise Bad("%s, record %d (byte %d): %s" % (path, number, at, error))
        prev = stored
        at += 4 + length + 32
        number += 1
        count += 1
    if count != manifest["n_events"] or chain.position != manifest["last_position"]:
        raise Bad("%s, record %d (byte %d): the manifest promises %d records ending at position %d, the file"
                  " holds %d ending at %s: %s" % (path, number, len(data), manifest["n_events"], manifest["last_position"],
                                                  count, chain.position, "records are missing"
                                                  if count < manifest["n_events"] else "records were added"))
    if chain.prev_hash.hex() != manifest["head_hash"]:
        raise Bad("%s, line 1: the manifest's head hash is not the last record's hash" % path)
    return count


def check_export(path, chain, prev_hash_arg):
    """Checks one JSON Lines export; returns the number of records in it."""
    count = 0
    with open(path, encoding="utf-8", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            try:
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
    return count


def check_file(path, chain, prev_hash_arg):
    """Checks one file, a bundle or an export; returns the number of records in it."""
    with open(path, "rb") as file:
        first = file.readline()
        try:
            head = json.loads(first.decode("utf-8"))
            is_bundle = isinstance(head, dict) and "format" in head
        except (ValueError, UnicodeDecodeError):
            is_bundle = False
        if is_bundle:
            return check_bundle(path, first + file.read(), chain)
    # An export is read line by line, never held whole.
    return check_export(path, chain, prev_hash_arg)


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
