"""The HTTP face: routes /bot<token>/<method> and /file/bot<token>/<path>."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError
from .methods import lookup
from .models import RecordedRequest
from .params import Params, read_params
from .state import World

log = logging.getLogger(__name__)

_MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for bot uploads


@dataclass
class Fault:
    method: str  # lower-case
    error_code: int
    description: str
    times: int
    retry_after: int | None = None
    chat_id: int | str | None = None


class Hold:
    """Requests about one chat wait here, as on a slow network, until released."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()  # set once a request is waiting
        self._open = asyncio.Event()

    async def wait(self) -> None:
        self.arrived.set()
        await self._open.wait()

    def release(self) -> None:
        self._open.set()


def _reply(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


class ApiServer:
    def __init__(self, world: World, token: str) -> None:
        self.world = world
        self.token = token
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.holds: dict[str, Hold] = {}  # chat id (as text) -> its requests wait there
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> str:
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        # access_log=None: request lines contain the token.
        # handler_cancellation: a poll whose client went away must not swallow updates.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        return f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def _take_fault(self, method: str, params: Params) -> ApiError | None:
        for fault in self.faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            if fault.error_code == 429:
                self.world.rate_limited_count += 1
            return ApiError(fault.error_code, fault.description, retry_after=fault.retry_after)
        return None

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        found = lookup(name)
        method = found[0] if found else name
        params = Params({})
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if found is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            hold = self.holds.get(str(params.get("chat_id")))
            if hold is not None:
                await hold.wait()
            fault = self._take_fault(method, params)
            if fault is not None:
                raise fault
            result = await found[1](self.world, params)
        except ApiError as error:
            self._record(method, params, error)
            return _reply(error.payload(), status=error.error_code)
        except Exception:
            log.exception("emulator: %s failed", method)  # never the URL: it holds the token
            error = ApiError(500, "Internal Server Error")
            self._record(method, params, error)
            return _reply(error.payload(), status=500)
        self._record(method, params, None)
        return _reply({"ok": True, "result": result})

    def _record(self, method: str, params: Params, error: ApiError | None) -> None:
        self.requests.append(RecordedRequest(
            method=method, params=params.recorded(), at=time.time(),
            error_code=error.error_code if error else None,
            description=error.description if error else None,
        ))
        self.world.changes.notify()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return await self._not_found(request)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _not_found(self, request: web.Request) -> web.Response:
        return _reply(ApiError(404, "Not Found").payload(), status=404)
