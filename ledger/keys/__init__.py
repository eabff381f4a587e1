"""Keys (DESIGN §4): the key directory on disk (``directory``), the key registry
kept as signed events in the log (``registry``), the services that register,
rotate and revoke signer keys (``services``), and the per-pupil data keys that
seal identity fields (``personal``).
"""
