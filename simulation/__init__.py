"""The demo school: a simulated school year built through the records services."""
