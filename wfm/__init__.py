"""wfm: workforce management for multi-channel contact centres."""

__version__ = "0.1.0"
