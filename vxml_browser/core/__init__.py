"""The interpreter core: sans-I/O (stdlib, lxml and QuickJS only)."""
