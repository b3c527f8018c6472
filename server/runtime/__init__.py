"""What a running process is made of: settings from the environment and the
application state built from them (engine, limiter, storage, jobs)."""
