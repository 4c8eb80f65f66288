"""Social Inbox: every customer message from every channel, answered within the hour."""

__version__ = "0.1.0"
