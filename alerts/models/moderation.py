"""Models of moderation: audit trail, redactions."""
