"""No models: the module exists so that `migrate` signals this app (core/apps.py creates the cache tables)."""
