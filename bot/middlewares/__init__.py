from bot.middlewares.access import AccessMiddleware
from bot.middlewares.tracker import InflightTracker
from bot.middlewares.user import UserMiddleware

__all__ = ["AccessMiddleware", "InflightTracker", "UserMiddleware"]
