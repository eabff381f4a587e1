"""Application services of the records domain: load → command → save.

One module per area; :class:`ledger.records.office.SchoolRecords` puts them
together for one school. Every command runs in the frame of
:meth:`ledger.records.context.RecordsContext.command`: it checks the author,
loads what the command reads (the common look-ups are the context's), calls the
aggregate's typed command, which checks the rules, and saves the changed
aggregates in one signed, atomic append; nothing when a rule refuses.
"""
