"""`python -m api` is the `letopis` command line."""

from api.cli import main

main()
