"""What the composer and its stand-in share, so the stand-in looks exactly like a composer with no conversation."""

REPLY_PLACEHOLDER = "Write a reply…  (/ or T for a template, Ctrl+Enter sends)"
REPLY_EDITOR_HEIGHT = 96
HOLDING_REPLY_LABEL = "Holding reply (acknowledge now, answer later)"  # the clock's box under the composer
