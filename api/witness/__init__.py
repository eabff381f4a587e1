"""`letopis witness`: an independent C2SP tlog-witness run by a second party."""
