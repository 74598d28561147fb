"""Errors raised by the scanners.

ScannerError
 └── TargetError        the target to scan is missing, unreadable or not a directory
"""


class ScannerError(Exception):
    """Base of every error the scanners raise."""


class TargetError(ScannerError):
    """The target cannot be scanned at all (missing, unreadable, not a directory)."""
