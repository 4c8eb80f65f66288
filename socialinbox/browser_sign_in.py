"""One sign-in in the system browser (OAuth 2.0 authorization code with PKCE, RFC 8252): what the Mastodon, X and
Google reviews set-ups share. Qt-free; ``token_from_browser`` blocks until the browser comes back.

::

    with SomeSignIn(...) as sign_in:          # listens on http://127.0.0.1:<port>/callback
        open the browser on sign_in.browser_url
        token = sign_in.token_from_browser()  # the code is exchanged the moment it arrives

Each platform says how its code becomes the secret to store (``_exchange``).
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the listener's module (http.server) loads with the first sign-in, not with the window
    from typing import Self

    from socialinbox.connectors.oauth_loopback import AuthorizationRequest, LoopbackRedirectListener


class BrowserSignIn(abc.ABC):
    """Waits on a loopback listener for the one redirect carrying the code of ``request``.

    Use it as a context manager (or call ``close``): the listener is a door into this computer until then.
    """

    def __init__(self, listener: LoopbackRedirectListener, request: AuthorizationRequest) -> None:
        self._listener = listener
        self._request = request
        listener.start()

    @property
    def browser_url(self) -> str:
        """Open this in the browser: after the owner approves, the server sends the browser back to the listener."""
        return self._request.url

    def token_from_browser(self, timeout: float | None = None) -> str:
        """The secret to store, once the browser comes back; ``timeout`` defaults to ``SIGN_IN_TIMEOUT_S``."""
        from socialinbox.connectors.oauth_loopback import SIGN_IN_TIMEOUT_S

        return self._exchange(self._listener.wait(SIGN_IN_TIMEOUT_S if timeout is None else timeout), self._request)

    @abc.abstractmethod
    def _exchange(self, code: str, request: AuthorizationRequest) -> str:
        """The secret to store for ``code``, exchanged at once (X's expires in 30 seconds)."""

    def close(self) -> None:
        """Stop listening; a ``token_from_browser`` waiting on another thread raises ``AuthError`` at once."""
        self._listener.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
