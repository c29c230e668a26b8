"""Prints the current two-factor code for a key, as an authenticator app would (for trying the demo hub without a
phone): ``python tools/totp.py "ABCD EFGH ..."`` with the key the hub's set-up page shows. Standard library only
(RFC 6238: HMAC-SHA1, 30-second steps, six digits)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import sys
import time


def totp(key: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    secret = base64.b32decode(key.replace(" ", "").upper())
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10 ** digits:0{digits}d}"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python tools/totp.py "KEY SHOWN BY THE SET-UP PAGE"')
    print(totp(sys.argv[1]))
