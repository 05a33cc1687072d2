"""Routing costs no thread hops: aiogram runs any filter or handler that is not a coroutine in a
worker thread, once per check, and a text message is checked against many handlers."""

from __future__ import annotations

from aiogram import Router

from handlers import setup


def _walk(router: Router):
    yield router
    for child in router.sub_routers:
        yield from _walk(child)


def test_every_filter_and_handler_is_a_coroutine() -> None:
    sync = []
    for router in _walk(setup()):
        for event, observer in router.observers.items():
            for handler in observer.handlers:
                name = f"{router.name}.{event}:{getattr(handler.callback, '__name__', handler.callback)}"
                if not handler.awaitable:
                    sync.append(name)
                sync += [f"{name} filter {f.callback!r}" for f in handler.filters or [] if not f.awaitable]
            sync += [f"{router.name}.{event} router filter {f.callback!r}" for f in observer._handler.filters or [] if not f.awaitable]
    assert sync == []
