"""Read models rebuilt from the Letopis log (journals, statements, attestat book)."""
