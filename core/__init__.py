"""Code every app shares: API conventions, errors, permissions, the embedded database, operators' views."""
