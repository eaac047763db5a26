"""Partner Cabinet: self-service portal for the partners of an affiliate program."""

__version__ = "0.1.0"
