"""When to poll and send, and what came of it. No Qt here: results leave through callbacks."""
