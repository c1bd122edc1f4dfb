"""Which hosts a connection's requests may go to: the allow-list the transport checks before every send.

A request that carries credentials (a bearer token from an authenticator, Basic client auth, an Authorization
header) goes only to the connection's own hosts: the ones its settings name (login, API, issuer URLs), the ones
the vendor's discovery returned (CXone's token endpoint and tenant API base) and the ``allowed_hosts`` extra. A
request without credentials (a pre-signed download) may also go to a download host (``download_hosts``: domain
names, subdomains included). Anything else (a ``nextUri`` or ``resultFileURL`` naming another host) is refused
with :class:`~airflow_provider_ccanalytics.core.errors.ForeignHostError` before a byte is sent.

Written by hand: requests only strips the Authorization header on a cross-host redirect, it has no allow-list,
and urllib3 none either; the check is a set lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from airflow_provider_ccanalytics.core.errors import ForeignHostError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url: str) -> str:
    """``name:port`` of an absolute URL (the scheme's default port when none is given); '' for a relative one."""
    parts = urlsplit(url)
    if not parts.hostname:
        return ""
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:
        port = 0
    return f"{parts.hostname.lower()}:{port}"


def host_list(value: object) -> tuple[str, ...]:
    """A setting's list of host names: a comma/space separated string or a list ('' and None: empty)."""
    if value in (None, ""):
        return ()
    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    return tuple(str(item).strip().lower().lstrip("*").lstrip(".") for item in items if str(item).strip())


class HostPolicy:
    """The hosts one connection trusts.

    :param urls: the connection's base URLs (login, API, issuer...): their exact host and port are trusted.
    :param extra_hosts: more host names, any port (the ``allowed_hosts`` extra); ``name:port`` pins a port.
    :param download_hosts: domains pre-signed downloads may come from (a name and its subdomains, any port).
    :param discover: callables that return more trusted base URLs (the vendor's discovery); each is asked once,
        the first time a host is not on the list, so that a discovered API base is trusted without a second lookup.
    :param setting: the extra that extends the list (named in the error).
    :param download_setting: the extra that extends the download hosts.
    """

    def __init__(
        self,
        urls: Iterable[str] = (),
        *,
        extra_hosts: Iterable[str] = (),
        download_hosts: Iterable[str] = (),
        discover: Iterable[Callable[[], str | None]] = (),
        setting: str = "allowed_hosts",
        download_setting: str = "download_hosts",
    ) -> None:
        self._exact: set[str] = set()
        self._names: set[str] = set()
        self._downloads = tuple(host_list(list(download_hosts)))
        self._discover = list(discover)
        self.setting, self.download_setting = setting, download_setting
        self._lock = threading.Lock()
        self._local = threading.local()
        for url in urls:
            self.allow(url)
        for name in host_list(list(extra_hosts)):
            (self._exact if ":" in name else self._names).add(name)

    def allow(self, url: str | None) -> None:
        """Trust the host of ``url`` (an absolute URL a setting or the vendor's discovery gave)."""
        key = host_key(url or "")
        if key:
            with self._lock:
                self._exact.add(key)

    def trusted(self, url: str) -> bool:
        """Whether credentials may go to ``url``'s host."""
        key = host_key(url)
        if not key:
            return False
        with self._lock:
            return key in self._exact or key.rsplit(":", 1)[0] in self._names

    def download_allowed(self, url: str) -> bool:
        """Whether a request without credentials may go to ``url``'s host (a trusted or a download host)."""
        name = (urlsplit(url).hostname or "").lower()
        return self.trusted(url) or any(name == domain or name.endswith(f".{domain}") for domain in self._downloads)

    def check(self, url: str, *, credentials: bool, what: str) -> None:
        """Raise unless ``url`` may be sent to.

        :param credentials: the request carries a token or client credentials.
        :param what: names the request in the error (``GET /api/v2/users``, ``a 307 redirect``).
        :raises ForeignHostError: naming the host and the setting that extends the list.
        """
        if self.trusted(url) or (not credentials and self.download_allowed(url)):
            return
        if self._run_discovery() and (self.trusted(url) or (not credentials and self.download_allowed(url))):
            return
        setting = self.setting if credentials else f"{self.setting} or {self.download_setting}"
        raise ForeignHostError(host_key(url).removesuffix(":443").removesuffix(":80") or url[:80], what, setting)

    def _run_discovery(self) -> bool:
        """Ask the discovery callables once (not from inside one: its own requests must not recurse)."""
        if getattr(self._local, "discovering", False):
            return False
        with self._lock:
            pending, self._discover = self._discover, []
        if not pending:
            return False
        self._local.discovering = True
        try:
            for index, find in enumerate(pending):
                try:
                    self.allow(find())
                except Exception:
                    with self._lock:  # not known yet (the discovery failed): asked again next time
                        self._discover.extend(pending[index:])
                    raise
        finally:
            self._local.discovering = False
        return True
