"""Entry points of Letopis: the `letopis` command line (and, later, HTTP)."""
