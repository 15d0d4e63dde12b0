"""dependency-injector's marker for FastAPI's `Depends`, resolved on the event loop.

`Depends(Provide[...])` hands FastAPI the marker itself as the dependency. Its `__call__` is a plain
function, so FastAPI runs it in a worker thread, once per marker per request: a thread hop that does
nothing (the injection itself is `@inject`'s) and costs GET /me a tenth of its CPU. This marker is the
same, awaited instead (ets-labs/python-dependency-injector#595).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dependency_injector.wiring import Provide

if TYPE_CHECKING:
    # dependency-injector types its markers as values (`Provide: _Marker`), not classes: to a type checker
    # this marker is the Provide it subclasses, indexed the same way.
    ProvideInLoop = Provide
else:
    # A subclass, so that `@inject` finds it as the Provide it is.
    class ProvideInLoop(Provide):
        async def __call__(self) -> Any:
            return self
