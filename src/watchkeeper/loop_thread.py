"""An asyncio event loop in a daemon thread, to which blocking code hands coroutines to run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """Runs coroutines on its own loop for callers in other threads; `close()` ends both."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `work` on the loop and wait for its result (never from the loop's own thread)."""
        if threading.current_thread() is self._thread:
            work.close()
            raise RuntimeError(f"{self._thread.name}: blocking calls from its own loop would hang")
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel what still runs, stop the loop and its thread, and close the loop."""
        try:
            self.call(self._wind_down(), timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _wind_down(self) -> None:
        current = asyncio.current_task()
        leftovers = [task for task in asyncio.all_tasks() if task is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        # Resolving a host name runs in the loop's default executor: its thread ends here too.
        await self._loop.shutdown_asyncgens()
        await self._loop.shutdown_default_executor()
