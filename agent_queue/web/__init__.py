"""The web consoles: agent desktop, supervisor console, wallboard and reports."""
