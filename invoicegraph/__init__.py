"""invoicegraph: the process wiring (settings, app factory, command line)."""
