"""RS256 JWTs with a process-local RSA key (pure Python, standard library only).

Xero's access tokens are RS256 JWTs; the simulator signs its own with a 2048-bit
key generated once per process and publishes it at the JWKS endpoint, so a client
that verifies signatures can do so against the simulator.
"""

import base64
import hashlib
import json
import random
import threading

SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2))]
_KEY = None
_KEY_LOCK = threading.Lock()


def b64url(data):
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _probable_prime(n, rng, rounds=24):
    if any(n % p == 0 for p in SMALL_PRIMES):
        return n in SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits, rng):
    while True:
        n = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if _probable_prime(n, rng):
            return n


def rsa_key():
    """The process RSA key {n, e, d, kid}, generated on first use."""
    global _KEY
    with _KEY_LOCK:
        if _KEY is None:
            rng = random.SystemRandom()
            e = 65537
            while True:
                p, q = _prime(1024, rng), _prime(1024, rng)
                phi = (p - 1) * (q - 1)
                if p != q and phi % e:
                    break
            n = p * q
            kid = hashlib.sha256(str(n).encode()).hexdigest()[:32].upper()
            _KEY = {"n": n, "e": e, "d": pow(e, -1, phi), "kid": kid}
        return _KEY


def _int_bytes(value, length):
    return value.to_bytes(length, "big")


def _sign(data, key):
    k = (key["n"].bit_length() + 7) // 8
    digest = SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
    em = b"\x00\x01" + b"\xff" * (k - len(digest) - 3) + b"\x00" + digest
    return _int_bytes(pow(int.from_bytes(em, "big"), key["d"], key["n"]), k)


def verify(token):
    """Claims of a token signed by this process's key, or None."""
    key = rsa_key()
    try:
        head, body, sig = token.split(".")
        k = (key["n"].bit_length() + 7) // 8
        em = _int_bytes(pow(int.from_bytes(b64url_decode(sig), "big"), key["e"], key["n"]), k)
        digest = SHA256_DIGEST_INFO + hashlib.sha256((head + "." + body).encode()).digest()
        if not em.endswith(digest) or not em.startswith(b"\x00\x01\xff"):
            return None
        return json.loads(b64url_decode(body))
    except (ValueError, TypeError):
        return None


def encode(claims):
    """An RS256 JWT for claims."""
    key = rsa_key()
    header = {"alg": "RS256", "kid": key["kid"], "typ": "JWT", "x5t": key["kid"][:27]}
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = _sign((head + "." + body).encode(), key)
    return head + "." + body + "." + b64url(sig)


def decode_unverified(token):
    """Claims of any JWT-shaped string, or None."""
    try:
        return json.loads(b64url_decode(token.split(".")[1]))
    except (IndexError, ValueError, TypeError):
        return None


def jwks():
    """The JWKS document for the process key."""
    key = rsa_key()
    n = key["n"].to_bytes((key["n"].bit_length() + 7) // 8, "big")
    return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": key["kid"],
                      "e": b64url(_int_bytes(key["e"], 3)), "n": b64url(n)}]}
