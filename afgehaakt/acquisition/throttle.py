"""A minimum interval between requests to the same host, within one process.

Across processes the limit is Snakemake's: rules that download hold the global resource ``http_connections``.
Within a process, one job may page through hundreds of requests to the same server; spacing them out keeps the
pipeline polite to CBS and PDOK, which throttle or block clients that hammer them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit


class HostThrottle:
    """Wait until at least ``min_interval`` seconds have passed since the previous request to the same host.

    ``clock`` (monotonic seconds) and ``sleep`` are injectable so that tests run without real waiting.
    """

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_interval < 0:
            raise ValueError(f"min_interval must be zero or more seconds, got {min_interval}")
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Block until a request to the host of ``url`` is allowed; return the seconds waited."""
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = self._clock()
            previous = self._last_request.get(host)
            delay = 0.0 if previous is None else max(0.0, previous + self.min_interval - now)
            # Reserve the slot before sleeping so that another thread queues behind this request.
            self._last_request[host] = now + delay
        if delay > 0:
            self._sleep(delay)
        return delay
