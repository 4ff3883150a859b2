"""One GET to Kolada, trusting nothing: origin-only redirects, a total deadline, size, nesting and number limits.

:func:`get_json` is the only network call of the Kolada client (:mod:`fgte_research.sources.kolada_api`).

* **Redirects** are followed only within the origin of the request (same scheme, host and port). A redirect to
  another host, scheme or port is refused (:class:`KoladaUntrustedError`, naming the host) and not retried:
  a stand-in that answers for Kolada must not have its numbers written as "Kolada API v3".
* **Total deadline** (:data:`TOTAL_TIMEOUT`, 30 s) per request, connection, TLS, redirects, headers, body and
  retries included. A socket timeout bounds each read only, so a server trickling one byte every 2 s could hold a
  request for ever; a watchdog timer therefore shuts the request's sockets down when the deadline passes.
* **Size**: at most :data:`MAX_RESPONSE_BYTES` (a full 5000-record page is about 1.5 MB). **Nesting**: at most
  :data:`MAX_JSON_DEPTH` levels (Kolada's answers have 4), checked before parsing, so deep JSON cannot exhaust the
  parser's recursion. **Integers**: at most :data:`MAX_INT_DIGITS` digits (a 400-digit value is no count or year);
  NaN/Infinity are refused. Each is one Swedish line; nothing is written.
* Messages give the reason first and the request URL shortened (:func:`short_url`): a request for 290
  municipalities has a ~1,500-character URL.

429 and 5xx answers, connection errors and per-read timeouts are retried with exponential backoff (1, 2, 4, … s,
at most 60 s), honouring ``Retry-After`` in seconds or as an HTTP date (capped at 600 s), up to ``max_attempts``,
always within the total deadline. Other HTTP errors are not retried.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import math
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from ..errors import FgteError, InputError

#: A request never takes longer than this in total, retries included: a silent or trickling server fails fast.
TOTAL_TIMEOUT = 30.0
MAX_RESPONSE_BYTES = 64 * 2 ** 20
MAX_JSON_DEPTH = 16
MAX_INT_DIGITS = 18
MAX_REDIRECTS = 5
BACKOFF_BASE = 1.0
BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 600.0
USER_AGENT = "fgte-research (Kolada API v3 client; urllib)"
_CHUNK = 64 * 1024


class KoladaError(FgteError, RuntimeError):
    """Base class of the Kolada client's errors (messages in Swedish)."""


class KoladaHTTPError(KoladaError):
    """A request failed (HTTP error, timeout, network) after all permitted attempts; ``reason`` without the URL."""

    def __init__(self, message: str, url: str, status: int | None = None, reason: str = ""):
        super().__init__(message)
        self.url = url
        self.status = status
        self.reason = reason or message


class KoladaResponseError(KoladaError):
    """An answer was not JSON or did not have the documented shape."""


class KoladaUntrustedError(KoladaResponseError):
    """An answer the client refuses to trust: a redirect elsewhere, too large, too deep, an absurd number."""


class _DeadlinePassed(Exception):
    """The watchdog ended the attempt (not an OSError, so no handler mistakes it for a per-read timeout)."""


# --------------------------------------------------------------------------- URLs in messages


def short_url(url: str, *, keep: int = 2, limit: int = 160) -> str:
    """``url`` with long comma lists cut to their first ids and a count, and at most ``limit`` characters."""
    parts = urllib.parse.urlsplit(url)

    def cut(segment: str) -> str:
        ids = segment.split(",")
        return segment if len(ids) <= keep + 1 else f"{','.join(ids[:keep])},…(+{len(ids) - keep})"

    path = "/".join(cut(s) for s in parts.path.split("/"))
    text = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def where(url: str) -> str:
    return f"(begäran {short_url(url)})"


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # an unreadable port is never the request's origin
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def _host_text(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url[:80]


# --------------------------------------------------------------------------- the watchdog and the opener


class _Watchdog:
    """Shuts down every socket of one request when its deadline passes; ``fired`` tells that it did."""

    def __init__(self, deadline: float):
        self.fired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor: TLS wrapping detaches the original object, but shutting down any
        # descriptor of a connection ends it for all of them.
        dup = sock.dup()
        with self._lock:
            self._socks.append(dup)
            if self.fired:
                self._shutdown(dup)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for s in self._socks:
                self._shutdown(s)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for s in self._socks:
                s.close()
            self._socks.clear()


def _watched(cls, watchdog: _Watchdog):
    class Watched(cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            create = self._create_connection

            def create_and_watch(*a, **kw):
                sock = create(*a, **kw)
                watchdog.add(sock)
                return sock

            self._create_connection = create_and_watch

    return Watched


def _opener(request_url: str, watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    home = origin(request_url)

    class SameOriginRedirects(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if origin(newurl) != home:
                fp.close()
                raise KoladaUntrustedError(
                    f"Kolada-svaret omdirigerar till en annan värd, {_host_text(newurl)} (HTTP {code}); "
                    f"omdirigeringar bort från {_host_text(request_url)} följs inte {where(req.full_url)}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_watched(http.client.HTTPConnection, watchdog), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_watched(http.client.HTTPSConnection, watchdog), req, context=self._context)

    return urllib.request.build_opener(SameOriginRedirects, HTTP, HTTPS)


def _read_limited(response, url: str) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > MAX_RESPONSE_BYTES:
        raise _too_large(url)
    chunks, size = [], 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise _too_large(url)
        chunks.append(chunk)


def _too_large(url: str) -> KoladaUntrustedError:
    return KoladaUntrustedError(f"Koladas svar är större än {MAX_RESPONSE_BYTES // 2 ** 20} MB och används inte "
                                f"{where(url)}")


# --------------------------------------------------------------------------- JSON


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(body: bytes) -> int:
    """Deepest nesting of ``[``/``{`` outside strings (0 for a scalar)."""
    bare = np.frombuffer(_STRING.sub(b'""', body), dtype=np.uint8)
    if not len(bare):
        return 0
    step = np.isin(bare, (91, 123)).astype(np.int64) - np.isin(bare, (93, 125)).astype(np.int64)
    return int(max(np.cumsum(step).max(), 0))


def parse_json(body: bytes, url: str):
    """The answer as JSON within the limits above; :class:`KoladaResponseError` otherwise."""
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        raise KoladaUntrustedError(f"Koladas svar är nästlat i {depth} nivåer (högst {MAX_JSON_DEPTH}) och används "
                                   f"inte {where(url)}")

    def parse_int(text: str) -> int:
        digits = len(text.lstrip("-"))
        if digits > MAX_INT_DIGITS:
            raise KoladaUntrustedError(f"Koladas svar innehåller ett heltal med {digits} siffror (högst "
                                       f"{MAX_INT_DIGITS}) och används inte {where(url)}")
        return int(text)

    def reject_constant(name: str):
        raise InputError(f"ogiltigt tal {name} i JSON")

    try:
        return json.loads(body.decode("utf-8"), parse_constant=reject_constant, parse_int=parse_int)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise KoladaResponseError(f"Koladas svar är inte giltig JSON ({exc}) {where(url)}") from None


# --------------------------------------------------------------------------- GET


def retry_after_seconds(header: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds, or an HTTP date); None if absent/unreadable."""
    if header is None:
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def _attempt(url: str, timeout: float, deadline: float) -> bytes:
    """One GET within ``deadline``; the body, or the exception of the failure (HTTPError, OSError …)."""
    watchdog = _Watchdog(deadline)
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        with _opener(url, watchdog).open(request, timeout=max(min(timeout, deadline - time.monotonic()), 0.01)) \
                as response:
            body = _read_limited(response, url)
    except (OSError, http.client.HTTPException):
        if watchdog.fired:
            raise _DeadlinePassed() from None
        raise
    finally:
        watchdog.close()
    if watchdog.fired:  # a close-delimited body cut by the watchdog looks complete
        raise _DeadlinePassed()
    return body


def get_json(url: str, *, timeout: float, sleep: Callable[[float], None] = time.sleep,
             max_attempts: int = 5, total_timeout: float | None = None):
    """GET ``url`` and parse the JSON answer, retrying 429/5xx/network errors with backoff, within
    ``total_timeout`` seconds in all (each attempt gets what is left of it)."""
    if max_attempts < 1:
        raise InputError("max_attempts måste vara minst 1")
    total_timeout = TOTAL_TIMEOUT if total_timeout is None else total_timeout
    deadline = time.monotonic() + total_timeout
    last, last_status = "", None

    def too_slow() -> KoladaHTTPError:
        reason = f"Kolada svarade inte inom {total_timeout:.0f} s ({last or 'inget svar'})"
        return KoladaHTTPError(f"{reason} {where(url)}", url, last_status, reason)

    for attempt in range(1, max_attempts + 1):
        wait = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_MAX)
        if deadline - time.monotonic() <= 0:
            raise too_slow()
        try:
            body = _attempt(url, timeout, deadline)
            break
        except urllib.error.HTTPError as exc:
            status = exc.code
            retry_after = retry_after_seconds(exc.headers.get("Retry-After") if exc.headers else None)
            exc.close()
            if status != 429 and not 500 <= status <= 599:
                reason = f"Kolada svarade HTTP {status}"
                raise KoladaHTTPError(f"{reason} {where(url)}", url, status, reason) from None
            last, last_status = f"HTTP {status}", status
            if retry_after is not None:
                wait = retry_after
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, KoladaError):  # raised inside the opener (a refused redirect)
                raise exc.reason from None
            last, last_status = f"nätverksfel: {exc.reason}", None
        except _DeadlinePassed:
            last = "svaret kom för långsamt"
            raise too_slow() from None
        except (OSError, http.client.HTTPException) as exc:  # per-read timeout, reset, incomplete body …
            last, last_status = f"nätverksfel: {type(exc).__name__} {exc}".rstrip(), None
        if attempt == max_attempts:
            reason = f"begäran till Kolada misslyckades efter {max_attempts} försök ({last})"
            raise KoladaHTTPError(f"{reason} {where(url)}", url, last_status, reason)
        if time.monotonic() + wait >= deadline:
            raise too_slow()
        sleep(wait)
    return parse_json(body, url)
