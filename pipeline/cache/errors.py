"""The one error of the build cache."""


class CacheError(Exception):
    """The manifest is unreadable or not one this build wrote."""
