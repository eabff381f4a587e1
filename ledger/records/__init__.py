"""Application services of the records domain: load, check, command, save.

One module per area; :class:`ledger.records.office.SchoolRecords` puts them
together for one school. Every service checks all of a command's rules before
it saves, and saves a command's events in one signed, atomic append.
"""
