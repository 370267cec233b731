"""The embedded (mongomock) backend's accelerators, in quarantine: mongomock internals."""
