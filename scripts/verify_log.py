#!/usr/bin/env python3
"""Check Parapompi logs without any Parapompi code: a JSON Lines export, or one or more
evaluator bundles that join in the order given (store/FORMAT.md, docs/EVALUATORS.md).

Usage:
  verify_log.py EXPORT.jsonl [--prev-hash HEX]
  verify_log.py [ANCHORS] BUNDLE [LATER_BUNDLE ...]
  verify_log.py --self-test

ANCHORS, what an evaluator recorded out of band (docs/EVALUATORS.md):
  --key VKEY            the centre's verifier key: the bundle's checkpoint must be signed by it
  --pin POSITION:HASH   the log had this hash at this position (repeat it)
  --held BUNDLE         a bundle held earlier: each of its records must be there unchanged
  --witness FILE        a witness file: its checkpoints are anchors, its centre key the key
  --witness-key VKEY    the witness's verifier key: the witness file must be signed by it

Prints "ok: N records, head POSITION HASH" and exits 0 when every file checks out;
otherwise prints "FILE, line L: what is wrong" (an export, or a bundle's manifest) or
"FILE, record N (byte B): what is wrong" (a bundle's records) and exits 2.
--self-test checks the Ed25519 verification below against RFC 8032's test vectors.
Python 3.8+, standard library only.
"""
import base64
import hashlib
import json
import os
import struct
import sys
import threading
import uuid

KEYS = ["position", "stream_id", "stream_version", "event_id", "command_id", "event_type",
        "schema_version", "occurred_at", "recorded_at", "actor", "payload", "prev_hash", "hash"]
MANIFEST_KEYS = ["format", "format_version", "engine_version", "created_at", "centres",
                 "first_position", "last_position", "prev_hash", "head_hash", "n_events"]
OPTIONAL_MANIFEST_KEYS = ["checkpoint"]
# The store's limits (FORMAT.md, "Rules of a valid log").
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_EVENTS_PER_APPEND = 4096


class Bad(Exception):
    pass


# Ed25519 signature verification, written from RFC 8032 (sections 5.1.2-5.1.7). Points of
# the curve -x^2 + y^2 = 1 + d x^2 y^2 over the integers modulo 2^255 - 19 are kept in
# extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z and x y = T/Z.
FIELD = 2 ** 255 - 19
ORDER = 2 ** 252 + 27742317777372353535851937790883648493
CURVE_D = -121665 * pow(121666, FIELD - 2, FIELD) % FIELD
ROOT_OF_MINUS_ONE = pow(2, (FIELD - 1) // 4, FIELD)


def _x_from_y(y, odd):
    """The x of the point with this y whose lowest bit is `odd` (RFC 8032, 5.1.3); None if
    there is no such point."""
    if y >= FIELD:
        return None
    u = (y * y - 1) % FIELD
    v = (CURVE_D * y * y + 1) % FIELD
    x = u * pow(v, 3, FIELD) * pow(u * pow(v, 7, FIELD), (FIELD - 5) // 8, FIELD) % FIELD
    if (v * x * x - u) % FIELD != 0:
        if (v * x * x + u) % FIELD != 0:
            return None
        x = x * ROOT_OF_MINUS_ONE % FIELD
    if x == 0 and odd:
        return None
    if x & 1 != odd:
        x = FIELD - x
    return x


def _decode_point(data):
    number = int.from_bytes(data, "little")
    y = number & ((1 << 255) - 1)
    x = _x_from_y(y, number >> 255)
    return None if x is None else (x, y, 1, x * y % FIELD)


def _add(p, q):
    """The sum of two points (RFC 8032, 5.1.4, for a = -1)."""
    a = (p[1] - p[0]) * (q[1] - q[0]) % FIELD
    b = (p[1] + p[0]) * (q[1] + q[0]) % FIELD
    c = 2 * p[3] * q[3] * CURVE_D % FIELD
    d = 2 * p[2] * q[2] % FIELD
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % FIELD, g * h % FIELD, f * g % FIELD, e * h % FIELD)


def _times(scalar, point):
    result = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _encode_point(point):
    inverse = pow(point[2], FIELD - 2, FIELD)
    x, y = point[0] * inverse % FIELD, point[1] * inverse % FIELD
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


_BASE_Y = 4 * pow(5, FIELD - 2, FIELD) % FIELD
BASE_POINT = (_x_from_y(_BASE_Y, 0), _BASE_Y, 1, _x_from_y(_BASE_Y, 0) * _BASE_Y % FIELD)


def ed25519_verify(public_key, message, signature):
    """True when `signature` (64 bytes) is public_key's Ed25519 signature of `message`. The
    check is [S]B - [k]A = R, compared as encoded bytes, as ed25519-dalek's `verify` does."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decode_point(public_key)
    s = int.from_bytes(signature[32:], "little")
    if a is None or s >= ORDER:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % ORDER
    minus_a = ((FIELD - a[0]) % FIELD, a[1], a[2], (FIELD - a[3]) % FIELD)
    return _encode_point(_add(_times(s, BASE_POINT), _times(k, minus_a))) == signature[:32]


def self_test():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rfc8032_vectors.txt")
    good = altered = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            _secret, public, message, signature = (bytes.fromhex(part) for part in line.strip().split(":"))
            if not ed25519_verify(public, message, signature):
                raise Bad("RFC 8032 vector with key %s does not verify" % public.hex())
            good += 1
            wrong = bytes([signature[0] ^ 1]) + signature[1:]
            if ed25519_verify(public, message, wrong) or ed25519_verify(public, message + b"x", signature):
                raise Bad("an altered RFC 8032 vector with key %s verifies" % public.hex())
            altered += 1
    print("ok: %d RFC 8032 vectors verify, %d altered ones do not" % (good, altered))


# Signed notes and checkpoints (store/FORMAT.md, "Checkpoints"; C2SP signed-note,
# tlog-checkpoint and tlog-cosignature).
EM_DASH = "\u2014 "


def key_id(name, type_byte, public_key):
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([type_byte]) + public_key).digest()[:4]


def parse_vkey(text):
    """A verifier key NAME+KEYID+base64(0x01 || key): (name, 32-byte key)."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise Bad("%r is not a verifier key (name+keyid+key)" % text)
    name, wanted_id, material = parts
    try:
        material = base64.b64decode(material, validate=True)
    except ValueError:
        raise Bad("the verifier key %s: its key is not base64" % name)
    if len(material) != 33 or material[0] != 1:
        raise Bad("the verifier key %s is not an Ed25519 key" % name)
    if key_id(name, 1, material[1:]).hex() != wanted_id:
        raise Bad("the verifier key %s: its key id does not match its key" % name)
    return name, material[1:]


def split_note(note):
    """A signed note's text (with its last line end) and its signature lines: (name, bytes)."""
    at = note.rfind("\n\n")
    if at < 0 or not note.endswith("\n"):
        raise Bad("not a signed note: no blank line before its signatures")
    signatures = []
    for line in note[at + 2:-1].split("\n"):
        if not line.startswith(EM_DASH) or line.count(" ") != 2:
            raise Bad("a line after the note's blank line is not a signature")
        _, name, value = line.split(" ")
        try:
            signatures.append((name, base64.b64decode(value, validate=True)))
        except ValueError:
            raise Bad("a note signature is not base64")
    return note[:at + 1], signatures


def note_signed_by(note, name, public_key):
    """True when the note carries a verifying Ed25519 note signature by this key."""
    text, signatures = split_note(note)
    wanted = key_id(name, 1, public_key)
    return any(signer == name and len(value) == 68 and value[:4] == wanted
               and ed25519_verify(public_key, text.encode("utf-8"), value[4:]) for signer, value in signatures)


def cosigned_by(note, name, public_key):
    """True when the note carries a verifying cosignature (C2SP tlog-cosignature) by this key."""
    text, signatures = split_note(note)
    wanted = key_id(name, 4, public_key)
    for signer, value in signatures:
        if signer == name and len(value) == 76 and value[:4] == wanted:
            (seconds,) = struct.unpack(">Q", value[4:12])
            message = ("cosignature/v1\ntime %d\n" % seconds + text).encode("utf-8")
            if ed25519_verify(public_key, message, value[12:]):
                return True
    return False


def parse_checkpoint(note):
    """A checkpoint's note: its origin, position and head hash, read strictly."""
    text, _ = split_note(note)
    lines = text[:-1].split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or not lines[3].startswith("time "):
        raise Bad("the checkpoint is not origin, position, head hash and time lines")
    head = base64.b64decode(lines[2], validate=True)
    if len(head) != 32 or str(int(lines[1])) != lines[1]:
        raise Bad("the checkpoint's position or head hash is not in its one written form")
    if any(not line.startswith("centre ") for line in lines[4:]):
        raise Bad("the checkpoint has a line that is not `centre ID`")
    return {"origin": lines[0], "position": int(lines[1]), "head_hash": head}


def check_checkpoint(carried, manifest, trusted, key_events):
    """The bundle's checkpoint: signed by one of `trusted` (name, key) or a key the records
    recorded, or, with no key trusted from outside, by the key it names; in every case not by
    a key the records revoked at or before its position; stating the manifest's last position
    and head hash. Returns its signer."""
    checkpoint = parse_checkpoint(carried["note"])
    if trusted is not None:
        keys = list(trusted)
        for _position, vkey, revoked in key_events:
            if not revoked:
                try:
                    keys.append(parse_vkey(vkey))
                except Bad:
                    pass
    else:
        keys = [parse_vkey(carried["vkey"])]
    signer = None
    for name, public_key in keys:
        if note_signed_by(carried["note"], name, public_key):
            signer = (name, public_key)
            break
    if signer is None:
        raise Bad("the checkpoint at position %d is not signed by a key this check trusts" % checkpoint["position"])
    for position, vkey, revoked in key_events:
        if revoked and position <= checkpoint["position"] and vkey == vkey_text(*signer):
            raise Bad("the checkpoint at position %d is signed by %s, which the log revoked at position %d"
                      % (checkpoint["position"], vkey, position))
    if checkpoint["origin"] != signer[0]:
        raise Bad("the checkpoint's origin is not its signer's name")
    if checkpoint["position"] != manifest["last_position"] or checkpoint["head_hash"].hex() != manifest["head_hash"]:
        raise Bad("the checkpoint states position %d with hash %s, but the bundle ends at %d with hash %s"
                  % (checkpoint["position"], checkpoint["head_hash"].hex(), manifest["last_position"],
                     manifest["head_hash"]))
    return signer


def vkey_text(name, public_key):
    return "%s+%s+%s" % (name, key_id(name, 1, public_key).hex(),
                         base64.b64encode(b"\x01" + public_key).decode("ascii"))


def read_witness(path, expected_vkey):
    """A witness file (store/FORMAT.md, "Witness files"): its state, checked to be signed by the
    witness key (the one given, or the one it names) and each checkpoint cosigned by it."""
    with open(path, encoding="utf-8") as file:
        note = file.read()
    try:
        line = note.split("\n", 1)[0]
        state = json.loads(line)
        name, public_key = parse_vkey(state["vkey"])
        if expected_vkey is not None and parse_vkey(expected_vkey) != (name, public_key):
            raise Bad("it names the witness key %s, not the one given: it was replaced" % state["vkey"])
        text, _ = split_note(note)
        if text != line + "\n" or not note_signed_by(note, name, public_key):
            raise Bad("its signature by %s does not verify: it was altered, or signed by another key" % state["vkey"])
        for log in state["logs"]:
            for checkpoint in log["checkpoints"]:
                if not cosigned_by(checkpoint, name, public_key):
                    raise Bad("its checkpoint of %s is not cosigned by the witness" % log["origin"])
        return state
    except Bad as error:
        raise Bad("the witness file %s does not check: %s" % (path, error))
    except (ValueError, KeyError, TypeError) as error:
        raise Bad("the witness file %s does not check: %s" % (path, error))


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
        self.first = None         # the first position checked
        self.position = None      # the last position checked
        self.prev_hash = None     # the hash of the last record checked
        self.from_start = False   # whether the log was seen from position 1
        self.versions = {}
        self.last_recorded_at = None
        self.anchors = {}         # position -> (hash, where it comes from), held out of band
        self.agreed = []          # the anchors reached and agreed with, in order
        self.hashes = None        # when a dict, every record's hash is kept in it
        self.key_events = []      # (position, verifier key, revoked) of the signing-key events
        self.commands = set()     # every command id seen
        self.events = set()       # every event id seen
        self.act = None           # [command id, its streams in order, its number of events]

    def rules(self, record):
        """The rules of a valid log past one record and its link (FORMAT.md, "Rules of a valid
        log"): the payload, what a command id may span, and event ids that never come back."""
        position, payload = record["position"], record["payload"]
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise Bad("position %d: payload of %d bytes is over the limit of %d"
                      % (position, len(payload), MAX_PAYLOAD_BYTES))
        try:
            # A lone surrogate escape (\\ud800) is taken, as the engine's reader takes it.
            _read_json(payload.decode("utf-8"))
        except ValueError as error:
            raise Bad("position %d: the payload is not JSON: %s" % (position, error))
        command, stream = uuid.UUID(bytes=record["command_id"]), record["stream_id"]
        if self.act is not None and self.act[0] == command:
            _, streams, count = self.act
            if streams[-1] != stream:
                if stream in streams:
                    raise Bad("position %d: command %s writes to stream %s twice" % (position, command, stream))
                streams.append(stream)
            self.act[2] = count + 1
            if count + 1 > MAX_EVENTS_PER_APPEND:
                raise Bad("position %d: append of command %s is over %d events"
                          % (position, command, MAX_EVENTS_PER_APPEND))
        else:
            if command in self.commands:
                raise Bad("position %d: command %s appears again after other commands" % (position, command))
            self.commands.add(command)
            self.act = [command, [stream], 1]
        event = uuid.UUID(bytes=record["event_id"])
        if event in self.events:
            raise Bad("position %d: event id %s appears again" % (position, event))
        self.events.add(event)

    def anchor(self, position, found):
        if position not in self.anchors:
            return
        held, source = self.anchors[position]
        if held != found:
            if self.agreed and self.agreed[-1] + 1 == position:
                since = "it departs at position %d" % position
            elif self.agreed:
                since = "it still agreed at position %d, so it departs within positions %d..=%d" % (
                    self.agreed[-1], self.agreed[-1] + 1, position)
            else:
                since = "it departs at or before position %d" % position
            raise Bad("position %d: the hash here is %s, %s holds %s: this is not the history it saw; %s"
                      % (position, found.hex(), source, held.hex(), since))
        self.agreed.append(position)

    def begin(self, first_position, prev_hash):
        if self.position is None:
            self.first = first_position
            self.position = first_position - 1
            self.prev_hash = prev_hash
            self.from_start = first_position == 1
            if self.from_start and prev_hash != bytes(32):
                raise Bad("a log from position 1 must start from the zero hash")
            if first_position > 1:
                self.anchor(first_position - 1, prev_hash)
                if self.hashes is not None:
                    self.hashes[first_position - 1] = prev_hash
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
        self.anchor(record["position"], digest)
        if self.hashes is not None:
            self.hashes[record["position"]] = digest
        self.versions[stream] = record["stream_version"]
        self.last_recorded_at = record["recorded_at"]
        self.position = record["position"]
        self.prev_hash = digest

    def finish(self, first_position):
        """After the last file: no anchor past the end, and a range must reach one."""
        beyond = sorted(p for p in self.anchors if p > (self.position or 0))
        if beyond:
            held, source = self.anchors[beyond[0]]
            raise Bad("the bundles end at position %d, but %s holds position %d (hash %s): the history was cut"
                      " short after position %d, or these bundles are older than that anchor"
                      % (self.position, source, beyond[0], held.hex(), self.position))
        if self.anchors and not self.agreed:
            latest = max(self.anchors)
            raise Bad("these bundles cover positions %d..=%d, but the latest anchor, %s at position %d, is before"
                      " that: the records between are not here, so nothing ties this range to it"
                      % (first_position, self.position, self.anchors[latest][1], latest))


def _no_constant(name):
    """JSON has no NaN or Infinity (RFC 8259); Python's reader takes them unless told not to."""
    raise ValueError("%s is not JSON" % name)


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


STREAM_ID_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
EVENT_TYPE_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def check_names(stream_id, event_type, actor):
    """The fields' own rules (FORMAT.md, "Records"), on their UTF-8 bytes."""
    if not 1 <= len(stream_id) <= 128 or not set(stream_id) <= STREAM_ID_BYTES:
        raise Bad("the record does not decode: the stream id is not 1-128 ASCII letters, digits or -_.:")
    if not 1 <= len(event_type) <= 64 or not set(event_type) <= EVENT_TYPE_BYTES:
        raise Bad("the record does not decode: the event type is not 1-64 ASCII letters, digits, _ or .")
    text = actor.decode("utf-8")
    if not 1 <= len(actor) <= 128 or any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in text):
        raise Bad("the record does not decode: the actor is not 1-128 bytes without control characters")


def _read_json(text):
    """json.loads, also for JSON nested deeper than Python's recursion limit (the engine
    accepts any depth a 64 KiB payload holds): such a text is read again on a thread with a
    stack large enough for it."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        pass
    result = {}

    def read():
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * MAX_PAYLOAD_BYTES))
        try:
            result["value"] = json.loads(text, parse_constant=_no_constant)
        except ValueError as error:
            result["error"] = error

    threading.stack_size(512 * 1024 * 1024)
    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def parse_canonical(data):
    """The fields of canonical bytes that the chain rules need (FORMAT.md, "Canonical bytes")."""
    try:
        if data[:1] != b"\x01":
            raise Bad("the record does not decode: unknown canonical format version")
        (position,) = struct.unpack_from(">Q", data, 1)
        stream_id, at = take_text(data, 9)
        (stream_version,) = struct.unpack_from(">Q", data, at)
        event_id, command_id = data[at + 8:at + 24], data[at + 24:at + 40]
        event_type, at = take_text(data, at + 8 + 32)
        (recorded_at,) = struct.unpack_from(">q", data, at + 4 + 8)
        actor, at = take_text(data, at + 4 + 16)
        payload, at = take_text(data, at)
        if at != len(data):
            raise Bad("the record does not decode: %d trailing bytes" % (len(data) - at))
        payload.decode("utf-8")
        check_names(stream_id, event_type, actor)
        return {"position": position, "stream_id": stream_id.decode("utf-8"), "stream_version": stream_version,
                "event_type": event_type.decode("utf-8"), "recorded_at": recorded_at, "actor": actor.decode("utf-8"),
                "payload": payload, "event_id": event_id, "command_id": command_id}
    except (struct.error, UnicodeDecodeError) as error:
        raise Bad("the record does not decode: %s" % error)


def check_bundle(path, data, chain, trusted=None, signers=None):
    """Checks one bundle: its manifest line, then its record frames (FORMAT.md, "Record frames")."""
    end = data.find(b"\n")
    if end < 0:
        raise Bad("%s, line 1: the manifest is cut short (no line end): the bundle is truncated" % path)
    try:
        manifest = json.loads(data[:end].decode("utf-8"))
        keys = [key for key in manifest.keys() if key not in OPTIONAL_MANIFEST_KEYS] \
            if isinstance(manifest, dict) else None
        if keys is None or sorted(keys) != sorted(MANIFEST_KEYS):
            raise Bad("not a bundle manifest: its keys must be %s (and may hold %s)"
                      % (", ".join(MANIFEST_KEYS), ", ".join(OPTIONAL_MANIFEST_KEYS)))
        if manifest["format"] != "parapompi-bundle" or manifest["format_version"] != 2:
            raise Bad("not a version 2 parapompi bundle")
        first, last = manifest["first_position"], manifest["last_position"]
        if not isinstance(first, int) or not isinstance(last, int) or first < 1 or last < first:
            raise Bad("the manifest's positions %s..%s are not a range of the log" % (first, last))
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
            fields = parse_canonical(canonical_bytes)
            chain.check(fields, prev, stored, canonical_bytes)
            chain.rules(fields)
            if fields["event_type"] in ("SigningKeyRecorded", "SigningKeyRevoked"):
                try:
                    key = json.loads(fields["payload"].decode("utf-8")).get("key")
                except (ValueError, UnicodeDecodeError, AttributeError):
                    key = None
                if isinstance(key, str):
                    chain.key_events.append((fields["position"], key, fields["event_type"] == "SigningKeyRevoked"))
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
    if "checkpoint" in manifest and signers is not None:
        try:
            signers.append((check_checkpoint(manifest["checkpoint"], manifest, trusted, chain.key_events),
                            manifest["last_position"]))
        except (Bad, ValueError, KeyError, TypeError) as error:
            raise Bad("%s, line 1: %s" % (path, error))
    elif signers is not None:
        signers.append((None, manifest["last_position"]))
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
                chain.rules(dict(record, payload=record["payload"].encode("utf-8"),
                                 event_id=uuid.UUID(record["event_id"]).bytes,
                                 command_id=uuid.UUID(record["command_id"]).bytes))
                count += 1
            except Bad as error:
                raise Bad("%s, line %d: %s" % (path, number, error))
            except (KeyError, TypeError, ValueError, struct.error) as error:
                raise Bad("%s, line %d: malformed field: %s" % (path, number, error))
    return count


def check_file(path, chain, prev_hash_arg, trusted=None, signers=None):
    """Checks one file, a bundle or an export; returns the number of records in it."""
    with open(path, "rb") as file:
        first = file.readline()
        try:
            head = json.loads(first.decode("utf-8"))
            is_bundle = isinstance(head, dict) and "format" in head
        except (ValueError, UnicodeDecodeError):
            is_bundle = False
        if is_bundle:
            return check_bundle(path, first + file.read(), chain, trusted, signers)
    # An export is read line by line, never held whole.
    return check_export(path, chain, prev_hash_arg)


def take_option(args, flag, many=False):
    """Removes `flag VALUE` (every one of them when `many`) from args; gives the value(s)."""
    values = []
    while flag in args:
        at = args.index(flag)
        if at + 1 >= len(args):
            raise Bad("%s needs a value" % flag)
        values.append(args[at + 1])
        del args[at:at + 2]
    return values if many else (values[-1] if values else None)


def bundle_origin(path):
    with open(path, "rb") as file:
        manifest = json.loads(file.readline().decode("utf-8"))
    if "checkpoint" not in manifest:
        raise Bad("%s carries no checkpoint, so it names no origin a witness could hold" % path)
    return parse_checkpoint(manifest["checkpoint"]["note"])["origin"]


def main(argv):
    args = argv[1:]
    if args == ["--self-test"]:
        try:
            self_test()
            return 0
        except Bad as error:
            print(error)
            return 2
    try:
        prev_hash = take_option(args, "--prev-hash")
        prev_hash = bytes.fromhex(prev_hash) if prev_hash is not None else None
        key = take_option(args, "--key")
        pins = take_option(args, "--pin", many=True)
        held = take_option(args, "--held", many=True)
        witness = take_option(args, "--witness")
        witness_key = take_option(args, "--witness-key")
    except (Bad, ValueError) as error:
        print(error)
        return 2
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    chain = Chain()
    total = 0
    trusted = None
    signers = []
    try:
        if key is not None:
            trusted = [parse_vkey(key)]
        for pin in pins:
            position, _, digest = pin.partition(":")
            if not position.isdigit() or int(position) == 0 or len(digest) != 64:
                raise Bad("--pin %s is not POSITION:HASH" % pin)
            chain.anchors[int(position)] = (bytes.fromhex(digest), "the pin %s" % pin)
        if held:
            earlier = Chain()
            earlier.hashes = {}
            for path in held:
                check_file(path, earlier, None)
            source = "the bundle held earlier (%s)" % ", ".join(held)
            for position, digest in earlier.hashes.items():
                if position > 0:
                    chain.anchors[position] = (digest, source)
        if witness is not None:
            state = read_witness(witness, witness_key)
            origin = bundle_origin(args[-1])
            logs = [log for log in state["logs"] if log["origin"] == origin]
            if not logs or not logs[0]["checkpoints"]:
                raise Bad("the witness %s holds no checkpoint of %s" % (witness, origin))
            revoked = logs[0].get("revoked_vkeys", [])
            producer = [parse_vkey(vkey) for vkey in logs[0]["producer_vkeys"] if vkey not in revoked]
            trusted = producer if trusted is None else [k for k in trusted if k in producer]
            for note in logs[0]["checkpoints"]:
                checkpoint = parse_checkpoint(note)
                chain.anchors[checkpoint["position"]] = (
                    checkpoint["head_hash"],
                    "the witness %s (its checkpoint at position %d)" % (witness, checkpoint["position"]))
        for path in args:
            total += check_file(path, chain, prev_hash, trusted, signers)
        chain.finish(chain.first)
    except Bad as error:
        print(error)
        return 2
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as error:
        print("cannot read: %s" % error)
        return 2
    print("ok: %d records, head %d %s" % (total, chain.position or 0, (chain.prev_hash or bytes(32)).hex()))
    if signers and signers[-1][0] is not None:
        name, public_key = signers[-1][0]
        print("checkpoint %d signed by %s" % (signers[-1][1], vkey_text(name, public_key)))
    elif signers:
        # On standard error, so that the first line of standard output stays the verdict alone.
        print("no checkpoint: nothing signed says the centre stands by these records", file=sys.stderr)
    groups = []                   # [source, first, last, count]: a held bundle is one line
    for position in chain.agreed:
        source = chain.anchors[position][1]
        if groups and groups[-1][0] == source:
            groups[-1][2:] = [position, groups[-1][3] + 1]
        else:
            groups.append([source, position, position, 1])
    for source, first, last, count in groups:
        where = "position %d" % first if count == 1 else "%d positions from %d to %d" % (count, first, last)
        print("agrees with %s at %s" % (source, where))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
