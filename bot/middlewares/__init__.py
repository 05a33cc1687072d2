from bot.middlewares.access import AccessMiddleware
from bot.middlewares.session import DbSessionMiddleware
from bot.middlewares.tracker import InflightTracker
from bot.middlewares.user import UserMiddleware

__all__ = ["AccessMiddleware", "DbSessionMiddleware", "InflightTracker", "UserMiddleware"]
